"""API key tokens: shape, hashing, and what a lookup accepts."""
from brainstem.keys import hash_token, key_id_of, new_key, token_matches


def test_a_token_names_its_key_and_only_its_hash_is_kept():
    key, token = new_key("tn_x", "ci")
    assert token.startswith(f"bsk_{key.key_id}_") and key_id_of(token) == key.key_id
    assert key.secret_hash == hash_token(token) and token not in repr(key) and len(key.secret_hash) == 64
    assert token_matches(key, token) and not token_matches(key, token[:-1] + ("A" if token[-1] != "A" else "B"))
    other, token2 = new_key("tn_x")
    assert other.key_id != key.key_id and token2 != token and other.name == other.key_id
    assert "secret_hash" not in key.public() and key.public()["prefix"] == f"bsk_{key.key_id}"


def test_malformed_tokens_name_no_key():
    for bad in ("", "bsk_", "bsk_zzzzzzzzzzzz_" + "a" * 43, "xyz_0123456789ab_" + "a" * 43,
                "bsk_0123456789ab_" + "a" * 42, "bsk_0123456789ab_" + "a" * 43 + "\n"):
        assert key_id_of(bad) is None, bad
