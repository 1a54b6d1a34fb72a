from cryptography.fernet import Fernet

from lianxin.core import crypto
from lianxin.core.text import mask_id_number, mask_phone, name_pinyin, to_simplified


def test_encrypted_value_round_trips_and_does_not_contain_the_clear_text():
    token = crypto.encrypt("11010519491231002X")
    assert "11010519491231002X" not in token
    assert crypto.decrypt(token) == "11010519491231002X"


def test_old_key_still_decrypts_after_rotation(settings):
    old = crypto.encrypt("13800138000")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    assert crypto.decrypt(old) == "13800138000"


def test_digest_is_stable_and_keyed():
    assert crypto.digest("a") == crypto.digest("a")
    assert crypto.digest("a") != crypto.digest("b")
    assert len(crypto.digest("a")) == 64


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"


def test_traditional_is_simplified_and_names_get_pinyin():
    assert to_simplified("張偉") == "张伟"
    assert name_pinyin("張偉") == ("zhangwei", "zw")
