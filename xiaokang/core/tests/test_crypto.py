"""Field encryption and blind index (R1; PIPL art. 28, 51)."""

import pytest
from cryptography.exceptions import InvalidTag

from xiaokang.core import crypto


def test_encryption_round_trips_and_is_randomised():
    a, b = crypto.encrypt("11010519491231002X"), crypto.encrypt("11010519491231002X")
    assert a != b  # a fresh nonce each time: equal numbers do not give equal ciphertexts
    assert crypto.decrypt(a) == crypto.decrypt(b) == "11010519491231002X"
    assert "11010519491231002X" not in a


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("13800000000")
    raw = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(InvalidTag):
        crypto.decrypt(raw)


def test_blind_index_is_deterministic_keyed_and_batched():
    one = crypto.blind_index("11010519491231002X")
    assert one == crypto.blind_index("11010519491231002X") != crypto.blind_index("110102199101010078")
    assert crypto.blind_index_many(["11010519491231002X", "x"]) == [one, crypto.blind_index("x")]
    assert len(one) == 32


def test_batch_encryption_keeps_empty_values_empty():
    tokens = crypto.encrypt_many(["a", None, ""])
    assert crypto.decrypt(tokens[0]) == "a" and tokens[1:] == [None, None]


def test_masks():
    assert crypto.mask_id_number("11010819800101002X") == "110108********002X"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("01062345678") == "010****5678"


def test_a_wrong_length_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.XIAOKANG_ENCRYPTION_KEY = "c2hvcnQ="
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.encrypt("x")


def test_development_keys_are_generated_once_with_a_warning(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    settings.XIAOKANG_ENCRYPTION_KEY = None
    settings.XIAOKANG_BLIND_INDEX_KEY = None
    crypto._keys.cache_clear()
    token = crypto.encrypt("secret")
    assert "WARNING" in capsys.readouterr().err
    assert (tmp_path / "keys" / "xiaokang_encryption_key.b64").stat().st_mode & 0o777 == 0o600
    crypto._keys.cache_clear()
    assert crypto.decrypt(token) == "secret"  # the same key is read back, not generated again
    assert capsys.readouterr().err == ""
    crypto._keys.cache_clear()


def test_production_refuses_to_generate_keys(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.DATA_DIR = tmp_path
    settings.XIAOKANG_ENCRYPTION_KEY = None
    settings.XIAOKANG_REQUIRE_KEYS = True
    crypto._keys.cache_clear()
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
    crypto._keys.cache_clear()
