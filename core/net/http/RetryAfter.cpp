#include "net/http/RetryAfter.h"

#include <QList>
#include <QTimeZone>

#include <algorithm>

namespace repodeck::core::http {

namespace {

const Millis kNone{-1};

int monthNumber(const QByteArray &name)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (name.compare(months[i], Qt::CaseInsensitive) == 0)
            return i + 1;
    return 0;
}

bool allDigits(const QByteArray &s)
{
    return !s.isEmpty()
           && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

QTime parseClock(const QByteArray &hms)
{
    const QList<QByteArray> parts = hms.split(':');
    if (parts.size() != 3 || !allDigits(parts[0]) || !allDigits(parts[1]) || !allDigits(parts[2]))
        return {};
    return QTime(parts[0].toInt(), parts[1].toInt(), parts[2].toInt());
}

QDateTime utc(int year, int month, int day, const QTime &time)
{
    const QDate date(year, month, day);
    if (!date.isValid() || !time.isValid())
        return {};
    return QDateTime(date, time, QTimeZone::utc());
}

// "Sun, 06 Nov 1994 08:49:37 GMT" | "Sunday, 06-Nov-94 08:49:37 GMT" | "Sun Nov  6 08:49:37 1994"
QDateTime parseHttpDate(const QByteArray &text)
{
    const QList<QByteArray> f = text.simplified().split(' ');
    if (f.size() == 6 && f[0].endsWith(',') && f[5] == "GMT" && allDigits(f[1]) && allDigits(f[3]))
        return utc(f[3].toInt(), monthNumber(f[2]), f[1].toInt(), parseClock(f[4]));
    if (f.size() == 4 && f[0].endsWith(',') && f[3] == "GMT") {
        const QList<QByteArray> d = f[1].split('-');
        if (d.size() == 3 && allDigits(d[0]) && allDigits(d[2])) {
            int year = d[2].toInt();
            if (d[2].size()
                == 2) // RFC 9110: a two-digit year more than 50 years ahead is in the past
                year += year < 70 ? 2000 : 1900;
            return utc(year, monthNumber(d[1]), d[0].toInt(), parseClock(f[2]));
        }
    }
    if (f.size() == 5 && allDigits(f[2]) && allDigits(f[4]))
        return utc(f[4].toInt(), monthNumber(f[1]), f[2].toInt(), parseClock(f[3]));
    return {};
}

} // namespace

Millis parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return kNone;
    if (allDigits(v)) {
        if (v.size() > 9) // more than 30 years: not a real instruction
            return kNone;
        return Millis(v.toLongLong() * 1000);
    }
    const QDateTime when = parseHttpDate(v);
    if (!when.isValid())
        return kNone;
    return Millis(std::max<qint64>(0, now.msecsTo(when)));
}

} // namespace repodeck::core::http
