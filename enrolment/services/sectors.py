"""Adding a sector with its enrolment policy.

The sector is employers' row, the policy enrolment's; every sector has exactly one policy, so
the two are made in one transaction, here, where both are known.
"""

from __future__ import annotations

import logging

from django.db import transaction

from employers import services as employers_services
from employers.models import Sector
from enrolment.models import EnrolmentPolicy

logger = logging.getLogger(__name__)


def sector_add(
    *, code: str, name: str, collective_agreement: str = "", covered: bool = True
) -> Sector:
    """Create a sector together with its enrolment policy (defaults, ``covered`` as given).
    A sector that cannot be added (a bad or taken code, no name) leaves nothing behind."""
    with transaction.atomic():
        sector = employers_services.sector_add(
            code=code, name=name, collective_agreement=collective_agreement
        )
        EnrolmentPolicy.objects.create(sector=sector, covered=covered)
    logger.info("sector %s given its enrolment policy (covered: %s)", sector.code, covered)
    return sector
