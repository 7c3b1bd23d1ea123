from __future__ import annotations

import factory

from employers.models import Organisation, Sector, Site, User


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sector
        django_get_or_create = ("code",)

    code = "meat"
    name = "Meat processing"
    collective_agreement = "CAO Vleessector"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        # sectors.set() in the hook below needs no second save of the organisation.
        skip_postgeneration_save = True

    kvk = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    name = factory.Sequence(lambda n: f"Flexwerk Uitzendbureau {n} B.V.")
    kind = Organisation.Kind.AGENCY

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)


class HirerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Vleesverwerking Oost {n} B.V.")
    kind = Organisation.Kind.HIRER


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    hirer = factory.SubFactory(HirerFactory)
    code = factory.Sequence(lambda n: f"SITE{n}")
    name = factory.Sequence(lambda n: f"Plant {n}")
    address = "Industrieweg 1, 5491 Sint-Oedenrode"
    sector = factory.SubFactory(SectorFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct horse battery staple")


class UnionAdminFactory(UserFactory):
    organisation = None
    is_staff = True
    is_superuser = True
