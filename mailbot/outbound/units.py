"""Pure: the ledger's units as UN/ECE Recommendation 20 codes (EN 16931 BT-130).

Owners write units as they speak ("Std.", "pcs", "Pauschale", "päivä"); an e-invoice
needs the code. Unknown or empty units count as "one" (``C62``): the quantity still
says how many, and the words on the line still say of what.
"""

from __future__ import annotations

_CODES = {
    "DAY": "day days d tag tage tg tg. päivä pv pv. dan dana jour jours",
    "HUR": "h hr hrs hour hours std std. stunde stunden h. t tunti tuntia sat sati heure heures",
    "MIN": "min mins minute minutes minuten minuutti minuuttia minut minuta",
    "WEE": "week weeks woche wochen wk viikko viikkoa nedelja nedelje semaine semaines",
    "MON": "month months monat monate mo kk kuukausi kuukautta mesec meseci mois",
    "ANN": "year years jahr jahre vuosi vuotta godina godine an ans",
    "H87": "pc pcs piece pieces stk stk. stück st st. kpl kpl. kom kom. pièce pièces",
    "C62": "flat pauschale pauschal psch. lump unit units einheit x kerta",
    "KMT": "km",
    "KGM": "kg",
    "MTR": "m",
    "LTR": "l",
}
UNITS = {word: code for code, words in _CODES.items() for word in words.split()}
ONE = "C62"


def unit_code(unit: str) -> str:
    """``Std.`` -> ``HUR``; ``Pauschale`` -> ``C62``; an unknown word -> ``C62``."""
    return UNITS.get(unit.strip().lower(), ONE)
