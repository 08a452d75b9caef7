from workflow.core.codes import (
    hash_secret,
    hash_token,
    new_api_token,
    new_reference_number,
    new_registration_number,
    normalize_registration_number,
    verify_secret,
)


def test_reference_numbers_have_the_digits_and_do_not_repeat():
    numbers = {new_reference_number(7) for _ in range(2000)}
    assert all(len(n) == 7 and n.isdigit() and n[0] != "0" for n in numbers)
    assert len(numbers) > 1990  # random, not sequential or derived from one another


def test_registration_number_round_trip_through_its_hash():
    number = new_registration_number()
    stored = hash_secret(normalize_registration_number(number))
    assert number not in stored
    assert verify_secret(normalize_registration_number(number.lower()), stored)
    assert not verify_secret("WRONG", stored)
    assert not verify_secret("anything", None)


def test_same_secret_hashes_differently_each_time():
    assert hash_secret("ABC") != hash_secret("ABC")


def test_tokens_are_long_random_and_hashed():
    a, b = new_api_token(), new_api_token()
    assert a != b and len(a) >= 40
    assert len(hash_token(a)) == 64 and hash_token(a) != a


def test_registration_numbers_hashed_before_still_verify():
    """Numbers issued before the hash changed (scrypt) still activate."""
    import hashlib

    salt = bytes(range(16))
    digest = hashlib.scrypt(b"K7QMX2PD9HVR", salt=salt, n=2**14, r=8, p=1, dklen=32)
    stored = f"scrypt${salt.hex()}${digest.hex()}"
    assert verify_secret("K7QMX2PD9HVR", stored)
    assert not verify_secret("K7QMX2PD9HVS", stored)
    assert hash_secret("K7QMX2PD9HVR").startswith("sha256$")
    assert hash_secret("K7QMX2PD9HVR") != hash_secret("K7QMX2PD9HVR")  # salted
