"""Calendar days and times as each shipped language writes them (CLDR's full date pattern).

Pure Python so templates give the same text on CPython (tests) and Pyodide. Digits stay 0-9 in
every language (Arabic included) and clocks are 24-hour (HH:MM), as Converse.js shows them.

>>> from datetime import date
>>> long_day(date(2026, 11, 25), "de"), long_day(date(2026, 11, 25), "ru")
('Mittwoch, 25. November 2026', 'среда, 25 ноября 2026 г.')
>>> long_day(date(2026, 11, 25), "ja"), long_day(date(2026, 11, 25), "en")
('2026年11月25日水曜日', 'Wednesday, November 25, 2026')
"""

from __future__ import annotations

from datetime import date

# Weekdays from Monday; months from January (the form used after a day number).
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
              "Oktober", "November", "Dezember")
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
              "octubre", "noviembre", "diciembre")
_PT_DAYS = ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado", "domingo")
_PT_MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
              "outubro", "novembro", "dezembro")
_RU_DAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
_RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря")  # genitive: "25 ноября"
_AR_DAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
              "أكتوبر", "نوفمبر", "ديسمبر")
_ZH_DAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_JA_DAYS = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")
_KO_DAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")


def long_day(day: date, code: str) -> str:
    """``day`` with its weekday, in language ``code`` (ISO ``YYYY-MM-DD`` for unknown codes)."""
    y, m, d, w = day.year, day.month, day.day, day.weekday()
    if code == "en":
        return f"{_EN_DAYS[w]}, {_EN_MONTHS[m - 1]} {d}, {y}"
    if code == "de":
        return f"{_DE_DAYS[w]}, {d}. {_DE_MONTHS[m - 1]} {y}"
    if code == "fr":
        return f"{_FR_DAYS[w]} {'1er' if d == 1 else d} {_FR_MONTHS[m - 1]} {y}"
    if code == "es":
        return f"{_ES_DAYS[w]}, {d} de {_ES_MONTHS[m - 1]} de {y}"
    if code == "pt-BR":
        return f"{_PT_DAYS[w]}, {d} de {_PT_MONTHS[m - 1]} de {y}"
    if code == "ru":
        return f"{_RU_DAYS[w]}, {d} {_RU_MONTHS[m - 1]} {y} г."
    if code == "ar":
        return f"{_AR_DAYS[w]}، {d} {_AR_MONTHS[m - 1]} {y}"
    if code == "zh-CN":
        return f"{y}年{m}月{d}日{_ZH_DAYS[w]}"
    if code == "ja":
        return f"{y}年{m}月{d}日{_JA_DAYS[w]}"
    if code == "ko":
        return f"{y}년 {m}월 {d}일 {_KO_DAYS[w]}"
    return day.isoformat()
