#include "model/TimelineExport.h"

#include "model/StatusText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace repodeck::ui::timelineExport {

QString text(const QString &name, const QString &url, const core::RepoState &s)
{
    QStringList lines;
    lines << QStringLiteral("Repository: %1").arg(name);
    lines << QStringLiteral("URL: %1").arg(url);
    lines << QStringLiteral("Result: %1").arg(ui::text::outcome(s));
    if (s.lastSuccess.isValid())
        lines << QStringLiteral("Last success: %1").arg(s.lastSuccess.toString(Qt::ISODate));
    if (const QString problem = ui::text::problem(s); !problem.isEmpty())
        lines << QStringLiteral("What happened: %1").arg(problem);
    if (const QString fix = ui::text::fix(s); !fix.isEmpty())
        lines << QStringLiteral("What to do: %1").arg(fix);
    lines << QString();
    for (const core::AttemptRecord &r : s.timeline) {
        QString line = QStringLiteral("Attempt %1 of %2  started %3  took %4  %5  ")
                           .arg(r.attempt)
                           .arg(r.maxAttempts)
                           .arg(r.started.toString(Qt::ISODateWithMs),
                                core::humanDuration(r.duration), ui::text::bytes(r.bytes));
        if (r.ok)
            line += QStringLiteral("ok");
        else
            line += QStringLiteral("%1: %2").arg(ui::text::category(r.error.category),
                                                 r.error.message);
        if (r.retryIn.count() >= 0)
            line += QStringLiteral("  next attempt after %1").arg(core::humanDuration(r.retryIn));
        lines << line;
    }
    if (s.timeline.isEmpty())
        lines << QStringLiteral("No attempts recorded.");
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QByteArray json(const QString &name, const QString &url, const core::RepoState &s)
{
    QJsonObject o = s.toJson();
    o.insert(QStringLiteral("repo"), name);
    o.insert(QStringLiteral("url"), url);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

} // namespace repodeck::ui::timelineExport
