from xiaokang.core.money import yuan_text


def test_fen_are_shown_as_yuan_exactly():
    assert yuan_text(123400) == "1,234.00"
    assert yuan_text(123405, grouping=False) == "1234.05"
    assert yuan_text(-32000) == "-320.00"
    assert yuan_text(0) == "0.00"
