"""Word lists for the German sentence splitter (:mod:`pipeline.segment.de`).

All lists are case-aware: an entry is matched as written, except that an all-lower-case
abbreviation also matches with a capital first letter (``ca.`` / ``Ca.`` at a sentence start).
Multi-part abbreviations (``z. B.``, ``u. a.``) are matched without spaces and dots (``zB``, ``ua``).
"""

from __future__ import annotations

# Abbreviations that never end a sentence: titles, prefixes and abbreviations that always have
# something after them (``Dr. Meier``, ``ca. 50``, ``bzw. ein``, ``St. Peter``).
NEVER_FINAL = frozenset("""
Dr Dres Prof Hr Hrn Fr Frl Dipl Ing Mag Med med phil rer nat jur habil theol päd oec pol Pfr Präs
Sr Jr jun sen St Skt Hl hl hll
ca bzw vgl sog evtl ggf inkl exkl zzgl abzgl bspw insb insbes urspr ursprüngl lt gem gemäß Gebr
ugs bes betr bzgl hins hinsichtl entspr einschl ausschl allg allgem sinngem sprachl
geb gest gegr verh verw led gesch
Str Pl Tel Fax Abt Bhf Fa Kl Kap Bd Bde Hrsg Hg hrsg Aufl Ausg Verf Verl Jg Jhg Hbf
Nr Nrn No Abs Art Ziff Abb Tab Anm Anh Bsp Bspw Kat Lfg Pos Hnr
kath ev evang luth ref orth jüd islam
ehem eigtl eigentl freundl gez zit übers Übers dt Dt engl frz franz ital span russ lat griech amerik österr schweiz
mind max min Min Std Sek Mo Di Mi Do Fr Sa So Jan Feb Febr Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez
Ca Zt Ztr Az Aktz Rdnr
Reg Bez Kr Krs Gde Landkr Kt Kanton
Gen Lt Oblt Hptm Maj Oberst Oberstlt Kpt Kapt Adm Sgt
Co Corp Inc Ltd Bros
vs
""".split()) - {"So", "Art"}  # "So." and "Art." are also ordinary words; handled below

# Abbreviations that often end a sentence (``… Bier usw.``): a boundary when the next word starts
# with a capital letter.
FINAL = frozenset("usw etc Chr Jh Jhd Jhdt Jhs".split())

# Abbreviations that may end a sentence but are usually followed by a capitalised noun inside it
# (``1,5 Mio. Euro``, ``u. a. Berlin``): a boundary only before a typical sentence opener.
WEAK = frozenset("Mio Mrd Mill Tsd Co Corp Inc Ltd Bros Std Min Sek min max mind f ff Ff".split())

# Abbreviations that stand before a number (``Art. 5``, ``S. 23``, ``Nr. 7``): no boundary before
# a digit; otherwise the period may end a sentence (``eine neue Art. Die …``).
BEFORE_NUMBER = frozenset(
    "Art Nr Nrn No Abs S Bd Kap Ziff Abb Tab Anm Jg Hnr Tel Fax Pos Rn Rz Rdnr Fn Az Aktz So".split())

# Multi-part abbreviations written with dots (``z. B.``/``z.B.``), keyed without dots and spaces.
MULTI_NEVER = frozenset("""
zB ZB zT ZT zZ ZZ zZt dh Dh vA va uU UU uE oJ oO oD iA iV iR idR IdR iW zHd ZHd uZw zw
aD iB iH iS oB oG og ua ÜbS uAwg uU Ua
""".split()) - {"ua", "Ua"}
MULTI_FINAL = frozenset("""
usw uä uÄ oä oÄ ua Ua uam uvm uva vChr nChr nChrG vChrG so su ia ff
""".split())

# Capitalised words after which a preceding ambiguous period (ordinal, abbreviation, initial)
# is taken as a sentence end: pronouns, articles, conjunctions and adverbs that start sentences
# but hardly ever directly follow ``Mio.``, ``13.`` or ``J.`` inside one.
STARTERS = frozenset("""
Der Die Das Den Dem Des Ein Eine Einen Einem Einer Eines Kein Keine Keinen
Er Sie Es Wir Ich Ihr Man Du Dies Diese Dieser Dieses Diesen Jene Jener Solche Solch
Sein Seine Seinen Seinem Seiner Ihre Ihren Ihrem Ihrer Unser Unsere Mein Meine Dein Deine Euer Eure
Aber Und Oder Doch Denn Dann Da Dabei Damit Danach Dazu Daher Darum Deshalb Deswegen Dadurch Dafür
Dagegen Davor Daneben Darauf Daraus Darüber Darin Trotzdem Dennoch Jedoch Allerdings Außerdem
Zudem Ebenso Auch Noch Nur Schon Bereits Sogar Vor Nach Seit Bei Mit Ohne Für Gegen Um Über Unter
Im Am Ins Ans Beim Vom Zum Zur Aus Auf In An Von Bis Laut Trotz Während Wegen Neben Zwischen
So Nun Jetzt Heute Gestern Hier Dort Dann Zuvor Zuletzt Schließlich Inzwischen Mittlerweile
Immer Nie Niemand Jeder Jede Jedes Alle Alles Viele Einige Manche Mehrere Beide Andere Weitere
Als Wie Was Wer Wo Wann Warum Weshalb Wieso Woher Wohin Welche Welcher Welches Wenn Weil Ob Obwohl
Nachdem Bevor Sobald Solange Seitdem Falls Sofern Wobei Wofür Womit Worauf
Es Ja Nein Nicht Natürlich Vielleicht Wahrscheinlich Offenbar Bisher Erst Zunächst Anschließend
Gleichzeitig Zugleich Ebenfalls Also Somit Demnach Folglich Insgesamt Laut Eben Genau
Hinzu Nicht Kaum Fast Etwa Rund Knapp Mehr Weniger
""".split())

# Nouns that typically follow an ordinal number (``am 13. Februar``, ``der 3. Liga``, ``im 19. Jh.``).
MONTHS = frozenset("""
Januar Jänner Februar Feber März April Mai Juni Juli August September Oktober November Dezember
Jan Feb Febr Mär Apr Jun Jul Aug Sep Sept Okt Nov Dez
""".split())
ORDINAL_NOUNS = MONTHS | frozenset("""
Jahrhundert Jahrhunderts Jahrhunderte Jahrtausend Jahrtausends Jh Jhd Jhdt Jahrestag Jahrestages
Geburtstag Geburtstags Todestag Todestages Hochzeitstag Jubiläum Jubiläums Jahr Jahres Jahrgang
Mal Platz Platzes Rang Runde Spieltag Spieltags Spieltages Etappe Liga Bundesliga Division Klasse
Stock Stockwerk Etage Minute Min Woche Kalenderwoche KW Tag Tages Monat Monats Quartal Quartals
Halbjahr Halbjahres Semester Halbzeit Satz Set Spiel Spiels Lauf Durchgang Wahlgang Lesung
Staffel Folge Auflage Ausgabe Band Kapitel Absatz Artikel Strophe Akt Szene Sinfonie Symphonie
Weltkrieg Weltkriegs Weltkrieges Reich Reichs Armee Korps Bataillon Kompanie Regiment Division
Parteitag Parteitags Kongress Sitzung Sitzungstag Verhandlungstag Prozesstag Amtszeit Legislaturperiode
Bezirk Arrondissement Stadtbezirk Gebot Gebots Advent Adventssonntag Sonntag Fastensonntag Vorsitzender
Vorsitzende Bürgermeister Stelle Preis Person Kind Enkel Generation Ordnung Grades Grad Stufe Phase
Teil Abschnitt Zeile Seite Buch Buchs Mose Korinther Petrus Johannes Punkt Schritt Anlauf Versuch
Advent Welt Mannschaft FC SC SV VfB VfL TSV TuS
""".split())

# Words that introduce a heading-like unit which is navigation or site furniture, not text.
BOILERPLATE_PREFIXES = (
    "Lesen Sie auch", "Lesen Sie mehr", "Lesen Sie hier", "Lesen Sie weiter", "Mehr zum Thema",
    "Mehr dazu", "Mehr lesen", "Weiterlesen", "Weitere Informationen", "Weitere Artikel",
    "Weitere Nachrichten", "Das könnte Sie auch interessieren", "Auch interessant",
    "Zum Thema", "Zur Startseite", "Zurück zur Startseite", "Artikel teilen", "Teilen",
    "Kommentare", "Kommentar schreiben", "Schlagwörter", "Schlagworte", "Themen", "Anzeige",
    "Werbung", "Foto:", "Fotos:", "Bild:", "Bilder:", "Video:", "Quelle:", "Bildquelle:",
    "Copyright", "©", "Alle Rechte vorbehalten", "Newsletter", "Jetzt abonnieren",
    "Bildergalerie", "Fotostrecke", "Hier geht es zu", "Hier geht's zu", "Hier finden Sie",
    "Folgen Sie uns", "Abonnieren Sie",
)
