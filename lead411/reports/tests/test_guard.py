"""The PII guard reads every release back and refuses identifiers (clause P6)."""

import pytest

from lead411.reports.guard import Identity, ReleaseBlocked, check_csv, check_svg, check_text

PEOPLE = Identity(emails=frozenset({"mia@example.com"}), names=frozenset({"mia member"}))


@pytest.mark.clause("P6")
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Contact: someone@corp.example", "Release refused: an email address in here."),
        ("seen from 192.168.10.20", "Release refused: an IP address in here."),
        ("seen from 2001:db8::1", "Release refused: an IP address in here."),
        ("Call +1 (555) 010-2030", "Release refused: a telephone number in here."),
        ("member #1234", "Release refused: a member id in here."),
        ("user_id=77", "Release refused: a member id in here."),
        ("4021", "Release refused: a member id in here."),
        ("Mia Member's company", "Release refused: a member's name in here."),
    ],
)
def test_identifiers_are_refused_with_a_clear_error(text, message):
    with pytest.raises(ReleaseBlocked) as excinfo:
        check_text(text=text, where="here", identities=PEOPLE)
    assert str(excinfo.value) == message


@pytest.mark.clause("P6")
@pytest.mark.parametrize(
    "text",
    [
        "Software",
        "2026-03-02",
        "Period: 2026-03-02 to 2026-03-15",
        "201-1,000 employees",
        "2 to 4 visits",
    ],
)
def test_ordinary_labels_pass(text):
    check_text(text=text, where="here", identities=PEOPLE)


@pytest.mark.clause("P6")
def test_csv_with_an_email_in_a_label_fails_closed():
    content = b"# Lead411 aggregate report: x\nIndustry,Members\nmia@example.com,12\nTotal,40\n"
    with pytest.raises(ReleaseBlocked, match="an email address in CSV line 3, the label"):
        check_csv(content=content, k=10, identities=PEOPLE)


@pytest.mark.clause("P14")
def test_csv_with_a_count_below_k_fails_closed():
    content = b"Industry,Members\nSoftware,9\nTotal,40\n"
    with pytest.raises(ReleaseBlocked, match="a count below 10 in CSV line 2, column 2"):
        check_csv(content=content, k=10, identities=PEOPLE)


@pytest.mark.clause("P6")
def test_csv_with_text_in_a_count_column_fails_closed():
    content = b"Industry,Members\nSoftware,see 555-0100\n"
    with pytest.raises(ReleaseBlocked, match="neither a count nor suppressed"):
        check_csv(content=content, k=10, identities=PEOPLE)


@pytest.mark.clause("P6")
def test_svg_text_is_checked():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><text>Mia Member</text><text>12</text></svg>'
    with pytest.raises(ReleaseBlocked, match="a member's name"):
        check_svg(content=svg, identities=PEOPLE)
