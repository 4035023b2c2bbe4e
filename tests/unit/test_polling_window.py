"""The polling window confirms to Telegram only updates whose handling has ended."""

from __future__ import annotations

from bot.polling import UpdateWindow


def test_offset_stays_at_the_lowest_update_still_being_handled() -> None:
    window = UpdateWindow()
    assert not window.seen_any  # the first getUpdates names no offset
    for update_id in (10, 11, 12):
        window.start(update_id)
    assert window.offset == 10
    window.finish(11)  # a later one ended first: 10 is still open, nothing past it confirmed
    assert window.offset == 10
    assert not window.is_new(11) and not window.is_new(10)  # given again: not started twice
    assert window.is_new(13)
    window.finish(10)
    assert window.offset == 12
    window.finish(12)
    assert window.offset == 13  # all handled: confirm everything fetched
    assert not window.in_flight


def test_updates_below_the_offset_are_never_handled_again() -> None:
    window = UpdateWindow()
    window.start(5)
    window.finish(5)
    assert window.offset == 6
    assert not window.is_new(5)
    assert window.is_new(6)


def test_a_full_window_is_confirmed_so_a_burst_is_not_held_back() -> None:
    window = UpdateWindow()
    for update_id in range(1, 101):
        window.start(update_id)
    window.confirm_all_fetched()
    assert window.offset == 101 and not window.holding  # Telegram may send the next ones
    window.finish(1)
    assert window.offset == 101 and not window.is_new(50)
    window.start(101)
    assert window.holding and window.offset == 101
    window.finish(101)
    assert window.offset == 102 and len(window.in_flight) == 99
