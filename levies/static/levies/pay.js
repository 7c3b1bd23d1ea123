// Stripe's payment element for one PaymentIntent (paying an invoice) or SetupIntent (a SEPA
// mandate, data-intent="setup"); the webhook, not this page, books the payment or stores the
// mandate.
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
    var options = { elements: elements, confirmParams: { return_url: form.dataset.returnUrl } };
    var confirmed =
      form.dataset.intent === "setup"
        ? stripe.confirmSetup(options)
        : stripe.confirmPayment(options);
    confirmed.then(function (result) {
      if (result.error) {
        document.getElementById("payment-message").textContent = result.error.message;
      }
    });
  });
})();
