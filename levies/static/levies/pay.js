// Stripe's payment element for one PaymentIntent; the webhook, not this page, books the payment.
(function () {
  "use strict";
  var form = document.getElementById("payment-form");
  if (!form || !window.Stripe || !form.dataset.publishableKey) {
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        if (result.error) {
          document.getElementById("payment-message").textContent = result.error.message;
        }
      });
  });
})();
