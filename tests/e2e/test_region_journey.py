"""In the browser: the regional coordinator signs in, sees both demo municipalities, downloads the region's report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_regional_coordinator_sees_both_municipalities_and_downloads_the_region_report(
    demo, page, sign_in, axe, tmp_path
):
    sign_in("region")
    axe(page)
    page.get_by_role("navigation", name="Основная навигация").get_by_role("link", name="Регион").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Волгоградская область")
    table = page.get_by_test_id("municipalities")
    expect(table).to_contain_text(demo["school1"].municipality.name)
    expect(table).to_contain_text("Городской округ город Михайловка")
    expect(page.get_by_test_id("municipality-row")).to_have_count(2)
    axe(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Аналитическая справка (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("Аналитическая справка Волгоградская область")
    path = tmp_path / "region.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    page.get_by_role("link", name="Городской округ город Михайловка").click()
    expect(page.get_by_test_id("schools")).to_contain_text("МБОУ «Михайловская СОШ № 1»")
    axe(page)
