"""Data: the concepts a reply is read by, per language, as word beginnings.

Each concept is a small list per language of *word beginnings* ("überwies" matches
überwiesen, überwiesene), an exact word when it ends in ``$`` ("ei$" is the Finnish
"no", not "eilen"), or a few words in sequence ("going to").  Serbian is listed in
Latin script; Cyrillic words are transliterated before matching.

Word beginnings, not Snowball stems: a stemmer maps "maksamme" (we pay / will pay)
and "maksoimme" (we paid) to the same stem, and the difference between them is the
difference between a promise and a payment claim.  Tense is read from the forms
themselves (``PAST``/``FUTURE``), then reasoned about in ``meaning``.
"""

from __future__ import annotations

Lexicon = dict[str, tuple[str, ...]]

# Paying, in any tense: the verb, the noun, the money moving.
PAY: Lexicon = {
    "en": ("pay$", "pays$", "paying", "payment", "paid", "settl", "transfer", "wire$", "wired", "wiring",
           "remit", "money", "funds", "cheque", "goes out", "go out", "went out",
           "have it to you", "get it to you", "you'll have it", "you will have it", "on your account", "in your account", "paypal", "credit card", "card$", "payment link", "€", "eur$", "euro",
           "scheduled for",
           "the amount", "full amount", "push it through", "put it through", "run it through", "from my account", "from our account"),
    "de": ("zahl", "bezahl", "gezahlt", "überweis", "überwies", "begleich", "beglich", "anweis",
           "angewies", "ausgleich", "ausgeglich", "geld", "betrag", "zahllauf",
           "raus$", "rausgegangen", "auf ihrem konto", "auf ihr konto", "kreditkarte", "paypal", "karte$", "€", "eur$", "euro",
           "eingeplant"),
    "fi": ("maks", "suorit", "tilit", "rahat", "summa",
           "tilisiirt", "siirrämme", "siirretään", "siirsimme", "siirretty", "siirsin", "lähtee", "lähti$", "tilillänne", "tilillenne", "kortilla", "paypal", "verkkopank", "€", "eur$", "euro",
           "ajastettu",
           "maksuun",
           "hoidamme lasku", "hoidan lasku", "hoidetaan lasku", "lasku hoidetaan",
           "hoidetaan tää", "hoidetaan se", "hoidamme sen", "hoidan sen", "hoidan tän",
           "siirto$", "siirron"),
    "sr": ("plat", "plać", "uplat", "uplać", "izmir", "isplat", "isplać", "prebac", "prenos",
           "novac", "novca", "pare", "iznos", "doznak", "sredstv", "prenet", "prenos", "prenes",
           "namir", "ide$", "ići će", "otići", "otiće", "na vašem računu", "na vaš račun", "nalog", "swift", "kartic", "€", "eur$", "evr", "dinar",
           "zakazan"),
    "fr": ("paie", "paiement", "paier", "payé", "payer", "payons", "payerons", "payement", "régl", "règl",
           "regl", "virement", "viré", "virer", "virons", "versement", "versé", "verser", "verserons", "solde",
           "soldé", "acquitt", "argent", "somme", "montant",
           "part$", "partira", "sur votre compte", "carte$", "par carte", "paypal", "€", "eur$", "euro",
           "programmé", "prévu pour"),
}  # fmt: skip

# A payment already made: past forms of the paying verbs, and what marks the past.
PAST_STRONG: Lexicon = {
    "en": ("paid", "transferred", "settled", "wired", "remitted", "sent$", "made$", "processed",
           "initiated", "executed", "released", "went out", "gone out",
           "was made", "was sent", "did pay", "did transfer", "cleared", "just paid", "remittance advice",
           "proof of payment", "payment confirmation", "confirmation of payment",
           "did it", "done$", "went through", "gone through"),
    "de": ("bezahlt", "gezahlt", "überwiesen", "beglichen", "angewiesen", "ausgeglichen", "veranlasst",
           "erledigt", "ist raus", "sind raus", "ging raus", "gutgeschrieben", "abgebucht", "wurde$",
           "wurden$", "erfolgt ist", "zahlungsavis", "überweisungsbeleg", "zahlungsbestätigung",
           "zahlungsnachweis",
           "rausgegangen", "rausgeschickt",
           "geschickt", "verschickt", "gesendet",
           "ist heute raus", "ist gestern raus", "ist schon raus", "ist bereits raus",
           "geleistet", "getätigt", "vorgenommen"),
    "fi": ("maksettu", "maksoimme", "maksoin", "maksoi$", "maksettiin", "maksanut", "maksaneet",
           "suoritettu", "suoritimme", "suoritin", "tilitetty", "tilitimme", "hoidettu", "hoidimme",
           "hoidin", "siirretty", "siirsimme", "siirsin", "lähti$", "lähtenyt", "lähetetty", "lähetimme",
           "maksutosite", "maksukuitti"),
    "sr": ("platili", "platio", "platila", "platilo", "uplatili", "uplatio", "uplatila", "uplaćen",
           "plaćen", "izmiren", "izmirili", "izmirio", "izvršili", "izvršen", "izvršio", "izvršila",
           "prebacili", "prebacio", "prebačen", "otišla", "otišao", "otišlo", "otišle", "preneli", "preneta", "preneto", "prenet$", "poslali", "poslat", "isplatili", "isplaćen", "legao",
           "legla", "leglo", "proknjižen", "potvrda o uplati", "potvrdu o uplati", "dokaz o uplati",
           "izvod"),
    "fr": ("payé", "payée", "réglé", "reglé", "viré", "versé", "effectué", "soldé", "acquitté",
           "envoyé", "a été", "ont été", "avons payé", "avons réglé", "avons effectué", "avons viré",
           "ai payé", "ai réglé", "ai effectué", "ai viré", "est parti", "parti$", "a été débité", "avis de paiement",
           "avis de virement", "preuve de paiement", "justificatif de paiement",
           "c'est fait", "fait$"),
}  # fmt: skip
PAST_WEAK: Lexicon = {
    "en": ("already", "yesterday", "ago$", "last week", "last friday", "last thursday", "this morning",
           "earlier today", "just$",
           "has been", "have been"),
    "de": ("bereits", "schon", "gestern", "vorgestern", "letzte", "heute morgen", "soeben",
           "seit dem", "seit$"),
    "fi": ("jo$", "eilen", "toissapäivänä", "viime$", "viime viikolla", "viime kuussa", "aamulla"),
    "sr": ("već", "juče", "jutros", "prošl"),
    "fr": ("déjà", "hier", "ce matin", "dernier", "dernière"),
}  # fmt: skip

# A payment to come: future forms and modal verbs, plans, payment runs.
FUTURE_STRONG: Lexicon = {
    "en": ("will$", "'ll", "won't", "shan't", "shall$", "going to", "gonna", "plan", "schedul", "intend", "expect to",
           "aim to", "approved for payment", "queued", "booked for", "arrange", "have to", "need to",
           "payment run", "should go out", "will go out", "goes out", "be$ paid",
           "be$ settled", "be$ transferred", "in the next",
           "we pay$", "i pay$", "we transfer$", "i transfer$", "we settle$", "i settle$", "goes to payment", "go into payment",
           "not paying$"),
    "de": ("werden$", "wird$", "werde$", "wirst$", "geht", "gehen", "erfolgt$", "erfolgen", "vorgemerkt",
           "eingeplan", "einplan", "freigegeben", "freigabe", "zahllauf", "zahlungslauf", "sollte$", "kommt$",
           "veranlassen", "anweisen",
           "wir zahlen$", "wir überweisen$", "wir begleichen$", "ich zahle$", "ich überweise$", "zahlen wir$", "überweisen wir$", "begleichen wir$", "geht in die zahlung", "geht in den zahllauf",
           "zahl ich$", "zahle ich$"),
    "fi": ("maksamme", "maksan$", "maksetaan", "maksamaan", "suoritamme", "suoritan",
           "suoritetaan", "siirretään", "tilitetään", "hoidamme", "hoidan", "hoidetaan", "tilitämme", "siirrämme", "lähtee",
           "menee maksuun", "tulee maksuun", "tulemme", "maksuajo", "maksuajossa", "aikataulu",
           "ajastettu", "ajastan", "ajastamme", "pyrimme", "emme aio", "en aio", "emme maksa", "en maksa",
           "tehdään", "lähtee",
           "laitan maksuun", "laitamme maksuun", "laitetaan maksuun",
           "laitan$", "laitamme$", "laitetaan$"),
    "sr": ("platiće", "platiću", "platićemo", "uplatiće", "uplatiću", "uplatićemo", "izmiriće",
           "izmiriću", "izmirićemo", "izvršiće", "izvršićemo", "izvršiću", "prebaciće", "prebacićemo",
           "isplatiće", "isplatićemo", "nećemo", "neću", "neće$", "ćemo", "ćete", "će$", "ću$", "biće", "bice", "planira",
           "zakazan", "nameravamo", "treba da",
           "namirićemo", "namiriće", "namiriću", "plaćamo", "uplaćujemo", "prebacujemo", "izmirujemo", "šaljemo", "ide u plaćanje", "ide na plaćanje", "ići će", "otići će", "otiće"),
    "fr": ("paierons", "paierai", "paiera", "payerons", "payerai", "réglerons", "réglerai", "réglera",
           "virerons", "virerai", "verserons", "verserai", "effectuerons", "effectuerai", "procéderons",
           "procéderai", "allons", "vais$", "va être", "sera$", "seront", "interviendra", "prévu",
           "programm", "comptons", "devrait",
           "nous payons$", "nous réglons$", "nous virons$", "je paie$", "je règle$", "je vire$", "je lance$", "part en paiement", "passe en paiement", "mise en paiement", "partira",
           "ne paie$", "ne paierai"),
}  # fmt: skip
FUTURE_WEAK: Lexicon = {
    "en": ("tomorrow", "next", "by$", "soon", "on monday", "on tuesday", "on wednesday", "on thursday",
           "on friday", "this week", "end of", "within"),
    "de": ("morgen", "nächst", "kommend", "bis$", "bald", "spätestens", "diese woche", "ende$",
           "innerhalb", "binnen", "demnächst", "zeitnah", "umgehend", "sofort"),
    "fi": ("huomenna", "ensi", "mennessä", "viimeistään", "pian", "heti", "tällä viikolla", "loppuun",
           "kuluessa", "kuluttua", "alussa", "lopussa"),
    "sr": ("sutra", "prekosutra", "sledeć", "naredn", "do$", "uskoro", "najkasnije", "ove nedelje",
           "ove sedmice", "odmah", "kraj", "roku"),
    "fr": ("demain", "prochain", "prochaine", "d'ici", "avant$", "bientôt", "au plus tard", "cette semaine",
           "fin$", "sous$"),
}  # fmt: skip

NEGATION: Lexicon = {
    "en": ("not$", "n't", "never", "no$", "cannot", "unable", "yet$", "unpaid", "outstanding"),
    "de": ("nicht", "kein", "nie$", "niemals", "noch nicht", "offen$", "unbezahlt"),
    "fi": ("ei$", "emme", "en$", "eivät", "et$", "eikä", "maksamatta", "avoinna"),
    "sr": ("ne$", "nije", "nismo", "nisam", "nećemo", "neću", "neće", "nisu", "nikad",
           "neplaćen", "otvoren"),
    "fr": ("pas$", "jamais", "aucun", "n'", "ne$", "impayé", "non$"),
}  # fmt: skip

# A payment that waits for something ("until we have the PO", "bevor die Gutschrift da
# ist"): neither a refusal nor a promise.
CONDITION: Lexicon = {
    "en": ("until", "till$", "unless", "before", "once$", "as soon as", "when$", "after$",
           "upon receipt", "on receipt"),
    "de": ("bis$", "bevor", "solange", "sobald", "erst wenn", "erst nach", "wenn$", "erst$", "nachdem",
           "nach erhalt", "bei erhalt", "nach eingang"),
    "fi": ("ennen kuin", "kunnes", "ennen$", "kun$", "heti kun", "jälkeen$", "vasta$",
           "saatuamme", "kun saamme"),
    "sr": ("dok$", "dok ne", "pre nego", "čim$", "tek kad", "kada$", "kad$", "nakon", "tek$",
           "po prijemu", "nakon prijema"),
    "fr": ("tant que", "avant$", "avant que", "jusqu'à", "dès que", "une fois", "quand$", "lorsque", "après$",
           "à réception", "dès réception", "à la réception"),
}  # fmt: skip

# What a payment held back waits for when it is a correction: then it is a dispute
# ("not before we get the corrected VAT"), not a condition of the client's own.
CORRECTION: Lexicon = {
    "en": ("corrected", "correction", "fix", "credit note", "amended", "revised invoice", "new invoice",
           "reissue", "re-issue", "with the correct", "correct the"),
    "de": ("korrig", "korrektur", "berichtig", "nachgebessert", "behoben", "neue rechnung",
           "neu ausstellen", "korrigierte"),
    "fi": ("korja", "hyvityslasku", "oikaistu", "uuden laskun", "uusi lasku"),
    "sr": ("ispravk", "ispravlj", "ispravit", "koriguj", "korigovan", "knjižno odobrenje", "novu fakturu",
           "ponovo izdati"),
    "fr": ("corrig", "rectifi", "un avoir", "facture d'avoir", "nouvelle facture",
           "réémettre", "rééditer"),
}  # fmt: skip

# Asking why something is charged: a complaint as a question ("why am I being charged
# for a third round?"), a dispute when it is about a charge, a line or a number.
CHALLENGE: Lexicon = {
    "en": ("why$", "how come", "what is this charge", "what's this charge", "how do you arrive",
           "how did you arrive", "how did you get to"),
    "de": ("warum$", "wieso$", "weshalb$", "wie kommt", "wie kommen sie auf",
           "seit wann"),
    "fi": ("miksi$", "miten niin", "mistä tulee", "miten päädyitte"),
    "sr": ("zašto$", "zasto$", "otkud$", "odakle$", "kako to$", "kako ste došli"),
    "fr": ("pourquoi$", "comment se fait", "d'où vient", "comment arrivez", "comment expliquez", "comment est-ce"),
}  # fmt: skip
CHARGED: Lexicon = {
    "en": ("charg", "billed", "bill$", "invoiced", "line", "item", "hours", "fee",
           "vat$", "tax"),
    "de": ("berechn", "abgerechn", "in rechnung", "position", "stunden", "posten", "pauschale",
           "mwst", "ust$", "umsatzsteuer", "steuer"),
    "fi": ("veloit", "laskut", "laskulla", "rivi", "tunti", "tuntia",
           "alv", "vero"),
    "sr": ("naplać", "naplat", "obračun", "stavk", "sati", "sata",
           "pdv", "porez"),
    "fr": ("factur", "compt", "ligne", "heures", "forfait",
           "tva", "taxe"),
}  # fmt: skip

# A request ("please ..."), for a correction asked for without naming the invoice.
REQUEST: Lexicon = {
    "en": ("please", "could you", "can you", "kindly",
           "should be"),
    "de": ("bitte", "können sie", "könnten sie",
           "soll$", "sollte"),
    "fi": ("pyydän", "pyydämme", "voisitteko", "voitteko", "lähettäkää", "lähettäisittekö",
           "pitäisi"),
    "sr": ("molim", "možete li", "pošaljite",
           "treba da"),
    "fr": ("merci de", "veuillez", "pourriez-vous", "pouvez-vous",
           "doit être", "devrait"),
}  # fmt: skip

# An errand a payment waits for (a PO number, an approval): no disagreement.
ADMIN: Lexicon = {
    "en": ("po$", "purchase order", "order number", "approval", "sign-off", "budget"),
    "de": ("bestellnummer", "bestellung", "freigabe", "genehmig", "unterschrift", "budget"),
    "fi": ("tilausnumero", "tilaus", "hyväksyn", "hyväksy", "allekirjoit", "budjet"),
    "sr": ("narudžbenic", "broj narudžbe", "odobrenj", "potpis", "budžet", "budzet"),
    "fr": ("bon de commande", "numéro de commande", "validation", "approbation", "signature", "budget"),
}  # fmt: skip

# Where the next invoices go: with an address in the same clause (an "@", a street
# number), a contact change.
FUTURE_INVOICES: Lexicon = {
    "en": ("future invoices", "next invoices", "invoices from now on", "all invoices"),
    "de": ("künftige rechnungen", "zukünftige rechnungen", "künftigen rechnungen", "rechnungen künftig",
           "rechnungen bitte an", "alle rechnungen"),
    "fi": ("tulevat laskut", "jatkossa laskut", "laskut jatkossa", "kaikki laskut"),
    "sr": ("buduće fakture", "sledeće fakture", "fakture ubuduće", "sve fakture", "fakture šaljite"),
    "fr": ("prochaines factures", "futures factures", "factures futures", "toutes les factures",
           "envoyer les factures"),
}  # fmt: skip

# Who an invoice is made out to: asked to change it is a contact change.
RECIPIENT: Lexicon = {
    "en": ("made out to", "in the name of", "invoice to our"),
    "de": ("ausgestellt auf", "umstellen", "umschreiben", "auf die firma", "rechnung auf die", "rechnung auf unsere"),
    "fi": ("nimelle", "osoitettu"),
    "sr": ("na ime", "glasi na", "izdati na", "izdate na"),
    "fr": ("au nom de", "libellée à", "établie au nom", "établir au nom"),
}  # fmt: skip

# The money went to the sender, not from them ("my client finally paid me").
PAID_TO_ME: Lexicon = {
    "en": ("paid me$", "paid us$", "pays me$", "pays us$", "paying me$", "paying us$"),
    "de": ("mir$ gezahlt", "uns$ gezahlt", "mir$ bezahlt", "uns$ bezahlt", "hat mich$ bezahlt", "hat uns$ bezahlt"),
    "fi": ("maksoi minulle", "maksoi meille", "maksaa minulle", "maksaa meille"),
    "sr": ("platio mi$", "platio nam$", "platili su$ nam$", "plati nam$", "platio meni$"),
    "fr": ("m'a$ payé", "nous$ a$ payé", "nous$ a$ réglé", "m'a$ réglé"),
}  # fmt: skip

# Part of the amount: a claim the owner should look at (the acknowledgment would say
# the invoice is paid).
PARTIAL: Lexicon = {
    "en": ("half$", "part of", "partial", "instalment", "installment", "the rest$", "remainder", "balance$",
           "first payment"),
    "de": ("hälfte", "teilzahlung", "teilbetrag", "rest$", "restbetrag", "restlichen", "anzahlung", "ersten teil"),
    "fi": ("puolet", "osamaksu", "osasumma", "loput", "loppuosa", "ensimmäisen erän", "ensimmäinen erä"),
    "sr": ("pola$", "polovin", "deo$", "dela$", "delimič", "ostatak", "akontacij", "avans", "prvu ratu", "prva rata"),
    "fr": ("moitié", "partie", "partiel", "acompte", "le solde", "le reste", "premier versement"),
}  # fmt: skip

# The money arriving on the owner's account ("Wertstellung in 1-2 Bankarbeitstagen"): after
# a claim, the transfer in flight, not a promise.
ARRIVAL: Lexicon = {
    "en": ("on your account", "in your account", "should arrive", "value date", "banking days"),
    "de": ("auf ihrem konto", "auf ihr konto", "gutschrift", "wertstellung", "bankarbeitstag"),
    "fi": ("tilillänne", "tilillenne", "perillä", "pankkipäiv"),
    "sr": ("na vašem računu", "na vaš račun", "radna dana", "radnih dana", "legne"),
    "fr": ("sur votre compte", "date de valeur", "jours ouvrés", "jours ouvrables"),
}  # fmt: skip

# The sender as the subject ("we paid", "j'ai réglé"): a past form with one is surely
# the sender's payment; a bare participle may be a habit ("nos fournisseurs sont réglés
# à 30 jours") or someone else's.
FIRST_PERSON: Lexicon = {
    "en": ("we$", "i$", "i've", "we've", "i'd", "we'd"),
    "de": ("wir$", "ich$", "haben$", "habe$", "hab's"),
    "fi": ("me$", "minä$", "olemme", "olen$", "maksoimme", "maksoin", "suoritimme", "siirsimme"),
    "sr": ("smo$", "sam$", "mi$", "ja$"),
    "fr": ("nous$", "je$", "j'ai", "avons$"),
}  # fmt: skip

# A clause that opens with "if" says nothing done ("if you need the payment confirmation").
IF: Lexicon = {
    "en": ("if$",), "de": ("falls$", "wenn$"), "fi": ("jos$",), "sr": ("ako$",), "fr": ("si$", "s'il"),
}  # fmt: skip

# The client disagrees: with the amount, the items, the work, the tax.
COMPLAINT_STRONG: Lexicon = {
    "en": ("wrong", "incorrect", "discrepan", "mismatch", "overcharg", "charged twice", "charged us twice",
           "charged me twice", "billed me twice", "billed us twice", "double charg", "double-charg",
           "billed twice", "invoiced twice", "too high", "too much", "dispute", "disagree",
           "not what we agreed", "not as agreed", "not agreed", "never ordered", "didn't order",
           "did not order", "never delivered", "not delivered", "wasn't delivered", "was not delivered",
           "weren't delivered", "doesn't match", "does not match", "don't match", "do not match",
           "doesn't add up", "does not add up", "refuse", "unacceptable", "complain", "not happy",
           "not satisfied", "reverse charge applies", "shouldn't be on", "should not be on",
           "shouldn't be there", "take it off", "please remove", "never asked for", "didn't ask for",
           "wasn't expecting", "weren't expecting", "didn't expect", "already paid for", "was included in", "were included in", "should not appear", "shouldn't appear", "should not have been", "shouldn't have been",
           "cannot accept", "can't accept",
           "not ours", "not for us", "meant for", "wrong company", "wrong client", "wrong customer",
           "isn't taken off", "not taken off", "not deducted", "wasn't deducted", "isn't deducted", "never requested", "not requested", "we only accept", "accept only"),
    "de": ("falsch", "stimmt nicht", "stimmen nicht", "nie beauftragt", "nicht beauftragt", "nicht freigeben",
           "so nicht", "gehört nicht", "zu hoch", "zu viel",
           "doppelt", "nicht vereinbart", "nicht bestellt", "nicht geliefert", "nicht erbracht",
           "abweich", "differenz", "reklam", "widersprech", "widerspruch", "beanstand", "unstimmig",
           "angeboten",
           "nicht einverstanden", "nicht akzeptieren", "nicht korrekt", "passt nicht", "nicht richtig",
           "ungerechtfertigt",
           "nicht erwartet", "sollte nicht", "dürfte nicht", "hätte nicht",
           "zweimal berechnet", "zweimal in rechnung",
           "nicht für uns", "falsche firma", "falschen kunden", "nicht an uns",
           "nie die rede", "nicht abgezogen", "nicht berücksichtigt", "nie angefordert", "nicht angefordert", "akzeptieren nur", "erkennen nur"),
    "fi": ("väärä", "väärin", "ei pidä paikkaansa", "liian", "ei vastaa", "eivät vastaa", "emme tilanneet",
           "ei tilattu", "reklamaatio", "reklamoi", "emme hyväksy", "en hyväksy", "eri kuin",
           "eroaa", "kiistä", "ei ole toimitettu", "ei toimitettu",
           "kuuluisi",
           "ei pitäisi olla", "ei kuulu",
           "laskutettu kahdesti", "kahdesti laskutettu", "kaksi kertaa laskutettu",
           "emme voi hyväksyä",
           "ei kuulu meille", "väärälle yritykselle", "väärä yritys",
           "ei pitäisi", "pitää poistaa", "poistaa laskulta",
           "ei ole vähennetty", "ei pyydetty", "emme pyytäneet", "hyväksymme vain"),
    "sr": ("pogrešan", "pogrešn", "pogrešno", "nije tačan", "nije tačno", "netačan",
           "netačn", "nije ispravan", "neispravn", "previše", "preveliki",
           "nismo naručili", "nismo poručili", "ne slaže", "ne slažu",
           "reklamacij", "osporav", "ne prihvatamo", "ne prihvatam",
           "nije isporučen", "nisu isporučen", "nije urađen", "nije odrađen",
           "trebalo je",
           "ne bi trebalo", "nije trebalo", "naplaćeno dva puta", "dva puta naplać", "duplo naplać",
           "ne možemo da prihvatimo", "ne možemo prihvatiti", "ne mogu da prihvatim",
           "nije za nas", "nije naš", "nije naša", "pogrešnu firmu", "pogrešnoj firmi",
           "nije odbijen", "nije uračunat", "nismo tražili", "prihvatamo samo", "prihvatamo samo"),
    "fr": ("erroné", "incorrect", "faux$", "fausse", "trop élevé", "trop cher",
           "en double", "doublon", "pas commandé", "jamais commandé", "pas livré", "jamais livré",
           "pas conforme", "contest", "désaccord", "réclamation", "ne correspond",
           "refuse", "inacceptable", "surfactur", "pas été effectué", "pas été réalisé",
           "facturé deux fois", "deux fois facturé", "ne devrait pas", "n'aurait pas dû", "aurait dû", "jamais parvenu", "pas parvenu",
           "ne pouvons pas accepter",
           "pas pour nous", "ne nous concerne", "mauvaise société", "mauvais client",
           "pas été livr", "toujours pas reçu", "toujours pas été",
           "pas déduit", "pas été déduit", "jamais demandé", "n'acceptons que", "acceptons uniquement"),
}  # fmt: skip

# Words that point at a disagreement only together with others (a quote, what was
# agreed, "instead of"): alone they make a dispute the owner is asked about.
COMPLAINT_WEAK: Lexicon = {
    "en": ("mistake", "error", "should have been", "supposed to be", "we only agreed", "only agreed",
           "instead of", "quoted",
           "cancelled", "canceled",
           "we had agreed", "we agreed", "late$", "too late", "delayed"),
    "de": ("fehler", "fehlerhaft", "vereinbart war", "vereinbart waren", "vereinbart hatten", "statt$",
           "anstatt", "angeboten", "angebot",
           "gekündigt", "storniert",
           "vereinbart", "zu spät", "verspätet", "verspätung"),
    "fi": ("virhe", "virheelli", "sovittu", "sovittiin", "sovimme", "pitäisi olla", "ero$", "tarjous",
           "tarjouksessa", "puuttuu", "kuuluisi",
           "peruttu", "perutti", "irtisano",
           "myöhässä", "liian myöhään", "myöhästy"),
    "sr": ("greška", "grešk", "dogovoreno", "dogovorili", "umesto", "ponud", "trebalo bi da bude",
           "trebalo je", "razlika",
           "otkazali", "otkazan",
           "kasnil", "kasno", "zakasn", "dogovor"),
    "fr": ("erreur", "au lieu de", "convenu", "devis", "écart",
           "annulé", "résilié",
           "en retard", "trop tard", "retard"),
}  # fmt: skip

THANKS: Lexicon = {
    "en": ("thank", "thanks", "thx", "received", "got it", "cheers", "much appreciated", "noted",
           "acknowledge receipt", "confirm receipt"),
    "de": ("danke", "dank$", "vielen dank", "erhalten", "angekommen", "bekommen", "zur kenntnis",
           "eingang", "bestätigen den eingang"),
    "fi": ("kiitos", "kiitoksia", "saatu", "saimme", "sain$", "vastaanotettu", "tuli perille",
           "vahvistamme"),
    "sr": ("hvala", "zahvaljujem", "zahvaljujemo", "primljeno", "primili", "primio", "primila", "stiglo",
           "stigla", "dobili smo", "dobio",
           "potvrđuj prijem"),
    "fr": ("merci", "bien reçu", "reçu", "bonne réception", "pris note",
           "accusons réception", "accusé de réception"),
}  # fmt: skip

# Thanks that are about the invoice or say it arrived: thanks even in a longer note
# ("Thanks for the invoice. By the way, I'm away ..."), unlike thanks for a good year.
THANKS_FOR_INVOICE: Lexicon = {
    "en": ("invoice", "bill", "received", "got it", "arrived"),
    "de": ("rechnung", "erhalten", "angekommen", "bekommen",
           "eingang"),
    "fi": ("lasku", "saatu", "saimme", "sain$", "vastaanotettu", "tuli perille"),
    "sr": ("faktur", "račun", "primljeno", "primili", "primio", "primila", "stiglo", "stigla", "dobili smo"),
    "fr": ("factur", "bien reçu", "reçu", "bonne réception",
           "accusons réception"),
}  # fmt: skip

# Words that open a question (a "?" says it too).
QUESTION: Lexicon = {
    "en": ("could you", "can you", "would you", "could we", "can we", "please resend", "please send",
           "please confirm", "is it possible", "do you", "did you", "is there", "what is", "which",
           "where", "when", "how", "why", "would it be possible", "please explain", "please clarify",
           "i'd like to know", "wondering", "let me know",
           "please let me know", "please advise", "please tell"),
    "de": ("können sie", "könnten sie", "kannst du", "könntest du", "bitte senden", "bitte schicken",
           "bitte erneut", "bitte nochmal", "wäre es möglich", "ist es möglich", "gibt es", "wie$", "wann",
           "warum", "wieso", "welche", "wo$", "bitte bestätigen", "bitte erklären", "bitte um",
           "bitte teilen sie", "teilen sie uns", "ich bitte um", "kurze frage"),
    "fi": ("voisitteko", "voitteko", "voisitko", "voitko", "lähettäkää", "lähettäisittekö", "onko", "miksi",
           "milloin", "mikä", "mitä", "miten", "kuinka", "pyydämme", "pyytäisin", "saisimmeko",
           "saisinko", "voisiko",
           "kertoisitteko", "kertokaa", "pyytäisimme", "kysymys"),
    "sr": ("da li", "možete li", "možeš li", "mogli biste", "biste li", "molim vas pošaljite",
           "pošaljite", "kada$", "zašto", "kako$", "koji", "koja", "gde", "molim vas da",
           "zanima me", "zanima nas", "mozete li", "pitanje"),
    "fr": ("pourriez-vous", "pouvez-vous", "pourrais-tu", "peux-tu", "merci de nous renvoyer",
           "merci de renvoyer", "merci de nous envoyer", "est-ce que", "quand", "pourquoi", "comment",
           "quel", "quelle", "serait-il possible", "auriez-vous",
           "merci de nous indiquer", "merci de m'indiquer", "merci de nous transmettre", "merci de nous envoyer", "merci de me dire", "question"),
}  # fmt: skip

# About the invoice at all ("are you coming to the Christmas drinks?" is not).
ABOUT_INVOICE: Lexicon = {
    "en": ("invoice", "bill", "pdf", "includ", "due date", "po$", "purchase order", "order number", "pay", "vat", "amount",
           "iban", "bank", "receipt", "due", "line", "item", "hours", "rate", "total", "discount",
           "price", "charge", "copy", "reference", "address", "tax",
           "terms"),
    "de": ("rechnung", "bestell", "pdf", "enthalten", "inbegriffen", "inklusive", "konto", "zahl", "skonto", "überweis", "mwst", "ust", "betrag", "iban", "bank",
           "position", "stunden", "preis", "summe", "fällig", "kopie", "referenz", "adresse", "steuer",
           "leistung", "rabatt", "netto", "brutto",
           "ziel$", "zahlungsziel"),
    "fi": ("lasku", "maksu", "pdf", "sisält", "tili", "tilaus", "alv", "summa", "iban", "pankki", "viite", "erä", "eräpäivä",
           "rivi", "tunti", "hinta", "osoite", "kopio", "verkkolasku", "alennus", "veloit",
           "maksuaika",
           "maks"),
    "sr": ("faktur", "račun", "pdf", "uključen", "swift", "bic", "iznos", "uplat", "plać", "plat", "pdv", "iban", "bank", "poziv na broj",
           "stavk", "sati", "cen", "adres", "kopij", "rok", "popust", "porudžbin",
           "rok plaćanja",
           "kartic", "link"),
    "fr": ("factur", "commande", "pdf", "rib", "inclu", "fiche fournisseur", "paiement", "payer", "virement", "tva", "montant", "iban", "banque",
           "ligne", "heures", "prix", "total", "échéance", "copie", "référence", "adresse", "remise",
           "bon de commande",
           "délai",
           "règlement", "chèque", "carte"),
}  # fmt: skip

# A change of where invoices go or who receives them.
ADDRESS: Lexicon = {
    "en": ("address", "e-mail", "email", "mailbox", "contact", "recipient", "send invoices",
           "send all invoices", "send future invoices", "billing details", "invoice details",
           "company name", "company details"),
    "de": ("adresse", "e-mail", "email", "ansprechpartner", "empfänger", "rechnungsanschrift",
           "anschrift", "rechnungsdaten", "firmierung", "firmenname"),
    "fi": ("osoite", "osoitte", "sähköposti", "laskutustied", "yritystied", "y-tunnus", "laskutusosoite", "verkkolaskuosoite",
           "vastaanottaja", "yhteyshenkilö", "ovt"),
    "sr": ("adres", "e-mail", "email", "mejl", "imejl", "kontakt", "primalac", "podaci za fakt", "podatke za fakt",
           "naziv firme", "sedište", "sediste"),
    "fr": ("adresse", "e-mail", "email", "courriel", "destinataire", "contact", "coordonnées de facturation",
           "raison sociale", "siège"),
}  # fmt: skip
CHANGE: Lexicon = {
    "en": ("new$", "changed", "change", "from now on", "going forward", "in future", "in the future",
           "update", "moved", "exclusively", "only to",
           "old$", "starting", "as of", "with effect from"),
    "de": ("neue", "neuer", "neues", "geändert", "ändert", "künftig", "zukünftig", "ab sofort", "in zukunft",
           "umgezogen", "aktualis", "ausschließlich",
           "alte$", "alten$", "ab dem", "ab 1"),
    "fi": ("uusi$", "uuden", "uuteen", "uudesta", "muuttunut", "muuttui", "muuttuu", "vaihtunut", "vaihtui",
           "jatkossa", "tästä lähtien", "päivit", "muutimme", "ainoastaan",
           "vanha", "alkaen", "lähtien", "ei enää"),
    "sr": ( "promen", "promijen", "ubuduće", "od sada", "ažurir", "isključivo", "preselili",
           "novi$", "nova$", "novu$", "novom", "novoj", "novog", "novih", "star", "počev od"),
    "fr": ("nouvelle", "nouveau", "nouvel", "changé", "changement", "désormais", "à l'avenir",
           "dorénavant", "mettre à jour", "modifi", "exclusivement", "uniquement", "déménag",
           "ancienne", "ancien$", "à compter du", "à partir du"),
}  # fmt: skip

# A statement that only says the mail went on to someone else, or that someone will
# look into it: no payment, no date, nothing to change.
HANDED_ON: Lexicon = {
    "en": ("forwarded", "passed it on", "passed this on", "passed on", "looking into", "will check",
           "check with", "get back to you", "accounts team", "finance team"),
    "de": ("weitergeleitet", "weitergegeben", "prüfen", "kläre", "klären", "melde mich", "melden uns",
           "buchhaltung"),
    "fi": ("välitin", "välitetty", "välitimme", "selvitän", "selvitämme", "tarkistan", "tarkistamme",
           "palaan asiaan", "palaamme asiaan", "kirjanpito", "taloushallinto"),
    "sr": ("prosledi", "prosleđ", "proveri", "proverićemo", "javiću", "javićemo", "računovodstv",
           "knjigovodstv",
           "pitać", "pitaću"),
    "fr": ("transféré", "transmis", "vérifier", "vérifions", "reviens vers", "reviendrons vers",
           "comptabilité", "service comptable"),
}  # fmt: skip
