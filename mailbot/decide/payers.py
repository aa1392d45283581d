"""Pure: is the payer a bank or a payment service names this invoice's client?

Banks print the payer as the payer's own bank has it: upper case, umlauts written out
or dropped ("KAISER UND SOEHNE GMBH" for "Kaiser & Söhne GmbH"), the legal form added
or left out.  So names are compared by a key with case, diacritics, "&"/"und"/"and",
punctuation and legal-form words (GmbH, AG, Oy, Oyj, Ab, d.o.o., Ltd, SARL...) taken
out.  A payer email (PayPal gives one) matches one of the client's addresses.  Equal
keys only: a payer whose name merely contains the client's is not the client.
"""

from __future__ import annotations

import re
import unicodedata

# Legal forms, as written with the punctuation removed ("d.o.o." -> "doo").
LEGAL_FORMS = frozenset({
    "gmbh", "ag", "kg", "ohg", "ug", "mbh", "co", "kgaa", "ev", "se", "eg",  # German
    "oy", "oyj", "ab", "ky", "tmi", "ry",  # Finnish
    "doo", "ad", "dd", "sp", "zoo",  # Serbian, Croatian, Polish
    "ltd", "limited", "llc", "inc", "incorporated", "corp", "corporation", "plc", "llp", "lp",  # English
    "sarl", "sas", "sa", "srl", "spa", "bv", "nv", "aps", "as", "asa", "ou", "sia", "uab", "kft", "sro",
})  # fmt: skip
CONNECTORS = frozenset({"and", "und", "et", "ja", "och", "i", "y", "e"})
_UMLAUTS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ß", "ss"))


def name_key(name: str) -> str:
    """The name as compared: "Kaiser & Söhne GmbH" and "KAISER UND SOEHNE" give one key."""
    text = name.casefold().replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for written, plain in _UMLAUTS:
        text = text.replace(written, plain)
    text = re.sub(r"(?<=\w)[.'’](?=\w)", "", text)  # d.o.o. -> doo, O'Neil -> oneil
    words = [w for w in re.split(r"[^\w]+", text) if w and w not in CONNECTORS]
    while words and words[-1] in LEGAL_FORMS:
        words.pop()
    while words and words[0] in LEGAL_FORMS:
        words.pop(0)
    return " ".join(words)


def keys_of(names: tuple[str, ...]) -> frozenset[str]:
    """A client's names and addresses as compared: name keys, addresses in lower case."""
    return frozenset(n.strip().lower() if "@" in n else name_key(n) for n in names) - {""}


def payer_is(keys: frozenset[str], payer: str, payer_email: str = "") -> bool:
    """The payer (a name, or an address) or the payer's email is one of ``keys``."""
    email = payer_email.strip().lower()
    if email and email in keys:
        return True
    name = payer.strip()
    if not name:
        return False
    return (name.lower() if "@" in name else name_key(name)) in keys
