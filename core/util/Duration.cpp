#include "util/Duration.h"

#include <QRegularExpression>

namespace repodeck::core {

namespace {
// About 31 years, in milliseconds, and the largest number in any part.
constexpr qint64 kLimit = 1'000'000'000'000LL;
} // namespace

std::optional<Millis> parseDuration(const QString &text)
{
    static const QRegularExpression part(QStringLiteral(R"((\d+)(ms|s|m|h))"));
    const QString trimmed = text.trimmed().toLower();
    if (trimmed.isEmpty())
        return std::nullopt;
    qint64 total = 0;
    qsizetype pos = 0;
    while (pos < trimmed.size()) {
        const auto match = part.match(trimmed, pos, QRegularExpression::NormalMatch,
                                      QRegularExpression::AnchorAtOffsetMatchOption);
        if (!match.hasMatch())
            return std::nullopt;
        bool ok = false;
        const qint64 value = match.captured(1).toLongLong(&ok);
        if (!ok || value > kLimit)
            return std::nullopt;
        const QString unit = match.captured(2);
        qint64 factor = 1;
        if (unit == QLatin1String("s"))
            factor = 1000;
        else if (unit == QLatin1String("m"))
            factor = 60'000;
        else if (unit == QLatin1String("h"))
            factor = 3'600'000;
        total += value * factor;
        // Bounded so that formatDuration's text (whatever unit it picks)
        // parses again: a workspace that loads must save loadable.
        if (total > kLimit)
            return std::nullopt;
        pos = match.capturedEnd();
    }
    return Millis(total);
}

QString formatDuration(Millis duration)
{
    const qint64 ms = duration.count();
    if (ms != 0 && ms % 3'600'000 == 0)
        return QStringLiteral("%1h").arg(ms / 3'600'000);
    if (ms != 0 && ms % 60'000 == 0)
        return QStringLiteral("%1m").arg(ms / 60'000);
    if (ms != 0 && ms % 1000 == 0)
        return QStringLiteral("%1s").arg(ms / 1000);
    return QStringLiteral("%1ms").arg(ms);
}

QString humanDuration(Millis duration)
{
    const qint64 ms = duration.count();
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60'000)
        return QStringLiteral("%1 s").arg(QString::number(ms / 1000.0, 'f', ms < 10'000 ? 1 : 0));
    if (ms < 3'600'000)
        return QStringLiteral("%1 min %2 s").arg(ms / 60'000).arg((ms % 60'000) / 1000);
    return QStringLiteral("%1 h %2 min").arg(ms / 3'600'000).arg((ms % 3'600'000) / 60'000);
}

} // namespace repodeck::core
