"""Erlang C against a published worked example."""

from __future__ import annotations

import pytest

from service_warehouse.forecast import agents_needed, erlang_c, service_level


def test_erlang_c_matches_the_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
    minutes, AHT 180 s → 10 Erlangs; 80 % in 20 s. Its table: 11 agents wait probability 68.21 %,
    14 agents 17.41 % and the 80/20 target first met at 14 agents (service level 88.8 %).
    """
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(14, 10.0) == pytest.approx(0.1741, abs=5e-5)
    assert service_level(13, 10.0, 180, 20) < 0.80 < service_level(14, 10.0, 180, 20)
    assert service_level(14, 10.0, 180, 20) == pytest.approx(0.888, abs=5e-4)

    staffed = agents_needed(100, 180, 1800, threshold_seconds=20, target_share=0.8)
    assert staffed.agents == 14
    assert staffed.traffic_erlangs == pytest.approx(10.0)
    assert staffed.occupancy == pytest.approx(10 / 14)
    # ASA = P(wait) × AHT ÷ (N − A) = 0.1741 × 180 ÷ 4 (the worked example's figures)
    assert staffed.asa_seconds == pytest.approx(0.1741 * 180 / 4, abs=0.01)


def test_erlang_c_edge_cases():
    assert erlang_c(3, 0.0) == 0.0
    assert erlang_c(5, 5.0) == 1.0  # no more agents than traffic: every call waits
    assert agents_needed(0, 180, 1800, threshold_seconds=20, target_share=0.8).agents == 0
    # a trickle of calls still needs one agent
    assert agents_needed(0.2, 180, 1800, threshold_seconds=20, target_share=0.8).agents == 1
    # the occupancy cap raises the staffing of a big queue above what the service level needs
    free = agents_needed(2000, 180, 1800, threshold_seconds=20, target_share=0.8)
    capped = agents_needed(2000, 180, 1800, threshold_seconds=20, target_share=0.8, max_occupancy=0.85)
    assert capped.agents >= 200 / 0.85 > free.agents and capped.occupancy <= 0.85
    with pytest.raises(ValueError, match="target share"):
        agents_needed(10, 180, 1800, threshold_seconds=20, target_share=80)
