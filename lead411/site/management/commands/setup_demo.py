"""Prepare a fresh installation: import the real data and create the demo accounts.

Run by `make run` before the server starts; safe to run again (it only fills what is empty).
"""

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from lead411.accounts.models import User
from lead411.leads.models import TriggerEvent
from lead411.leads.search.index import search_index_check, search_index_rebuild
from lead411.leads.sources.crunchbase import crunchbase_import
from lead411.leads.sources.edgar.services import company_profiles_import, edgar_import

DEMO_ACCOUNTS = (
    ("staff@demo.lead411.test", "Demo Staff", True),
    ("member@demo.lead411.test", "Demo Member", False),
)
CRUNCHBASE_HELP = (
    "No Crunchbase export at {path}. Set LEAD411_DATA_DIR to the folder that holds "
    "crunchbase_2015/ (companies.csv, rounds2.csv, acquisitions.csv: the 2015 export, "
    "CC BY-NC 4.0, mirrored at github.com/notpeter/crunchbase-data), then run `make run` again."
)


class Command(BaseCommand):
    help = (
        "Import the Crunchbase export and the SEC EDGAR files into an empty database, fill "
        "company profiles from the SEC company records, and create the demo accounts. Run by "
        "`make run` at every start; it only fills what is empty."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-import", action="store_true", help="Skip the data import.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_import"]:
            data_dir = Path(settings.LEAD411_DATA_DIR)
            self._import_when_empty(data_dir / "crunchbase_2015")
            self._import_edgar_when_empty(data_dir)
            self._import_company_profiles(data_dir / "sec_company")
        self._search_index_build()
        call_command("policy_seed", stdout=self.stdout)
        for email, name, is_staff in DEMO_ACCOUNTS:
            self._create_account(email=email, name=name, is_staff=is_staff)

    def _import_when_empty(self, directory: Path) -> None:
        if TriggerEvent.objects.exists():
            self.stdout.write("Leads already imported; skipping the Crunchbase import.")
            return
        if not (directory / "companies.csv").is_file():
            self.stderr.write(CRUNCHBASE_HELP.format(path=directory))
            return
        self.stdout.write(f"Importing the Crunchbase export from {directory} ...")
        report = crunchbase_import(directory=directory, progress=True)
        for counts in report.files:
            self.stdout.write(counts.summary_line())

    def _import_edgar_when_empty(self, data_dir: Path) -> None:
        if TriggerEvent.objects.filter(source="sec_edgar").exists():
            return
        feed, formd = data_dir / "sec_edgar_current_atom", data_dir / "sec_formd"
        eight_ks, ipos = data_dir / "sec_8k", data_dir / "sec_ipo"
        if not feed.is_dir():
            self.stdout.write(
                f"No EDGAR files at {feed}; the live feed is polled when EDGAR_POLL_MINUTES > 0."
            )
            return
        self.stdout.write(
            f"Importing SEC EDGAR filings from {data_dir} (feed, Form D, 8-K, IPO) ..."
        )
        report = edgar_import(
            feeds=[str(feed)],
            form_ds=[str(formd)] if formd.is_dir() else [],
            eight_ks=[str(eight_ks)] if eight_ks.is_dir() else [],
            ipos=[str(ipos)] if ipos.is_dir() else [],
        )
        for line in report.lines():
            self.stdout.write(line)

    def _import_company_profiles(self, directory: Path) -> None:
        """Fill company profiles from the SEC company records; repeating it fills nothing."""
        if not directory.is_dir():
            self.stdout.write(f"No SEC company records at {directory}; profiles come from filings.")
            return
        self.stdout.write(f"Filling company profiles from {directory} ...")
        for line in company_profiles_import(sources=[str(directory)]).lines():
            self.stdout.write(line)

    def _search_index_build(self) -> None:
        """Build the lead search index with a progress bar, unless it is already in step.

        Each import brings the index in step when it ends (``leads_changed``), so after a
        fresh import it usually is; rebuilding it then would do the same work twice.
        """
        check = search_index_check()
        if check.ok:
            self.stdout.write(check.line())
            return
        total = TriggerEvent.objects.count()
        with tqdm(total=total, unit=" events", desc="Search index", file=self.stderr) as bar:
            report = search_index_rebuild(progress=bar.update)
        self.stdout.write(f"Search index: {report.documents} events in {report.seconds:.1f} s.")

    def _create_account(self, *, email: str, name: str, is_staff: bool) -> None:
        if User.objects.filter(email=email).exists():
            self.stdout.write(
                f"Demo account {email} exists (its password was printed when created)."
            )
            return
        password = secrets.token_urlsafe(15)
        first, _, last = name.partition(" ")
        User.objects.create_user(
            email,
            password,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
            is_superuser=is_staff,
        )
        role = "staff (admin at /admin/)" if is_staff else "member"
        self.stdout.write(self.style.SUCCESS(f"Demo {role}: {email}  password: {password}"))
        self.stdout.write(
            "  This password is shown once; keep it or reset it with `manage.py changepassword`."
        )
