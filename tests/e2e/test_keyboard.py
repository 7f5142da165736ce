"""Keyboard alone (ГОСТ Р 52872-2019 / WCAG 2.1.1, 2.4.1, 2.4.7): sign in, skip to content, fill a form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name") || "",
    type: el.getAttribute("type") || "",
    text: (el.innerText || el.value || "").trim(),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    visible: box.width > 0 && box.height > 0,
  };
}"""


def active(page) -> dict:
    return page.evaluate(ACTIVE)


def assert_focus_visible(state: dict) -> None:
    assert state["visible"], f"the focused element is not on screen: {state}"
    assert state["outline"] or state["shadow"], f"the focused element shows no focus indicator: {state}"


def tab_to(page, predicate, limit: int = 40) -> dict:
    """Press Tab until the focused element matches; fail if the keyboard never gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        state = active(page)
        if predicate(state):
            return state
    raise AssertionError(f"Tab never reached the element; last focused: {active(page)}")


def test_sign_in_by_keyboard_then_the_skip_link_moves_focus_to_the_content(demo, page, axe):
    page.goto("/accounts/login/")
    # The sign-in form puts the focus into its first field itself.
    username = active(page)
    assert username["name"] == "username", username
    assert_focus_visible(username)
    page.keyboard.type("curator")
    tab_to(page, lambda s: s["name"] == "password")
    page.keyboard.type("demo")
    submit = tab_to(page, lambda s: s["tag"] == "button" and s["text"] == "Войти")
    assert_focus_visible(submit)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Ваша организация: сводка")).to_be_visible()
    axe(page)

    # The first Tab on a page reaches the skip link, which shows itself and takes the focus to the content.
    page.keyboard.press("Tab")
    skip = active(page)
    assert skip["text"] == "Перейти к содержанию", skip
    assert_focus_visible(skip)
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main"
    after_skip = tab_to(page, lambda s: True)
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)"), after_skip

    # A menu link reached by Tab shows where the focus is, and Enter follows it.
    link = None
    for _ in range(30):
        page.keyboard.press("Shift+Tab")
        state = active(page)
        if state["tag"] == "a" and state["text"].startswith("Реестр"):
            link = state
            break
    assert link is not None, "Shift+Tab never reached the menu link «Реестр»"
    assert_focus_visible(link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Реестр")
    axe(page)


def test_a_curator_adds_a_teacher_with_the_keyboard_alone(demo, page, sign_in, axe):
    sign_in("curator")
    page.goto("/people/new/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    assert active(page)["id"] == "main"

    # Submitted empty with Enter on the button, the form comes back with its errors.
    tab_to(page, lambda s: s["tag"] == "button" and s["text"] == "Сохранить")
    page.keyboard.press("Enter")
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    axe(page)

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    values = {"last_name": "Кузнецова", "first_name": "Анна", "middle_name": "Павловна", "position": "Учитель"}
    typed = set()
    while typed != set(values):
        state = tab_to(page, lambda s: s["name"] in values and s["name"] not in typed)
        assert_focus_visible(state)
        page.keyboard.press("Control+A")
        page.keyboard.type(values[state["name"]])
        typed.add(state["name"])
    submit = tab_to(page, lambda s: s["tag"] == "button" and s["text"] == "Сохранить")
    assert_focus_visible(submit)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Кузнецова Анна Павловна")
    axe(page)
    assert Person.objects.filter(last_name="Кузнецова", first_name="Анна", position="Учитель").exists()
