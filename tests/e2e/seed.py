"""Fill an empty database with a small, known data set for the browser journeys.

Run as a script by the ``live_server_url`` fixture (tests/e2e/conftest.py) with the
server's own settings and DATABASE_URL, after ``migrate``:

    python tests/e2e/seed.py DIR

It writes a small CrunchBase-shaped export (30 companies, their funding rounds and a few
acquisitions) into DIR, imports it through the real importer (``import_crunchbase``), and
creates the personas of ``tests/e2e/personas.py``. The full real import takes minutes;
this one takes about a second, so every test run can afford a fresh server.
"""

import csv
import sys
from pathlib import Path

CATEGORIES = ["Software", "Biotechnology", "Analytics", "E-Commerce", "Clean Technology"]
PLACES = [
    ("USA", "CA", "SF Bay Area", "San Francisco"),
    ("USA", "NY", "New York City", "New York"),
    ("GBR", "H9", "London", "London"),
    ("CAN", "ON", "Toronto", "Toronto"),
    ("DEU", "16", "Berlin", "Berlin"),
]
ROUND_TYPES = [("venture", "A"), ("seed", ""), ("venture", "B"), ("angel", "")]
COMPANY_COUNT = 30


def company_name(index: int) -> str:
    """Return the name of the ``index``-th seeded company (``Alpha Widgets 00`` ...)."""
    words = ["Alpha", "Bravo", "Cobalt", "Delta", "Ember", "Fjord"]
    return (
        f"{words[index % len(words)]} {CATEGORIES[index % len(CATEGORIES)].split()[0]} {index:02d}"
    )


COMPANY_HEADER = (
    "permalink,name,homepage_url,category_list,funding_total_usd,status,country_code,"
    "state_code,region,city,funding_rounds,founded_at,first_funding_at,last_funding_at"
)
ROUND_HEADER = (
    "company_permalink,funding_round_permalink,funding_round_type,funding_round_code,"
    "funded_at,raised_amount_usd"
)
ACQUISITION_HEADER = (
    "company_permalink,company_name,company_category_list,company_country_code,"
    "company_state_code,company_region,company_city,acquirer_permalink,acquirer_name,"
    "acquirer_category_list,acquirer_country_code,acquirer_state_code,acquirer_region,"
    "acquirer_city,acquired_at,acquired_month,price_amount,price_currency_code"
)


def _write(path: Path, header: str, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header.split(","))
        out.writerows(rows)


def write_export(directory: Path) -> None:
    """Write companies.csv, rounds2.csv and acquisitions.csv of a small export into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    companies, rounds, acquisitions = [], [], []
    for i in range(COMPANY_COUNT):
        country, state, region, city = PLACES[i % len(PLACES)]
        category = CATEGORIES[i % len(CATEGORIES)]
        companies.append(
            [
                f"/organization/e2e-{i}",
                company_name(i),
                f"http://e2e-{i}.example",
                category,
                str(1000000 * (i + 1)),
                "operating",
                country,
                state,
                region,
                city,
                "1",
                "2010-01-01",
                "2014-01-05",
                "2014-01-05",
            ]
        )
        kind, code = ROUND_TYPES[i % len(ROUND_TYPES)]
        funded = f"{1 + i % 28:02d}-{1 + i % 12:02d}-2014"
        rounds.append(
            [
                f"/organization/e2e-{i}",
                f"/funding-round/e2e-{i}",
                kind,
                code,
                funded,
                str(250000 * (i + 1)),
            ]
        )
    for buyer in range(0, COMPANY_COUNT, 6):
        target = buyer + 1
        acquisitions.append(
            [
                f"/organization/e2e-{target}",
                company_name(target),
                CATEGORIES[target % 5],
                *list(PLACES[target % len(PLACES)]),
                f"/organization/e2e-{buyer}",
                company_name(buyer),
                CATEGORIES[buyer % 5],
                *list(PLACES[buyer % len(PLACES)]),
                "2014-06-01",
                "2014-06",
                "9000000",
                "USD",
            ]
        )
    _write(directory / "companies.csv", COMPANY_HEADER, companies)
    _write(directory / "rounds2.csv", ROUND_HEADER, rounds)
    _write(directory / "acquisitions.csv", ACQUISITION_HEADER, acquisitions)


def main(directory: Path) -> None:
    """Import the small export and create the personas (an empty, migrated database)."""
    import django

    django.setup()
    from django.core.management import call_command

    from lead411.accounts.models import User
    from tests.e2e.personas import PERSONAS

    write_export(directory)
    call_command("import_crunchbase", str(directory), "--no-progress", verbosity=0)
    for persona in PERSONAS:
        User.objects.create_user(
            persona.email,
            persona.password,
            first_name=persona.first_name,
            last_name="E2E",
            is_staff=persona.is_staff,
            is_superuser=persona.is_staff,
        )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(Path(sys.argv[1]))
