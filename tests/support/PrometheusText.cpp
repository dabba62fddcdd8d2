#include "PrometheusText.h"

#include <QRegularExpression>
#include <QSet>

namespace repodeck::test {

namespace {

bool unescape(const QString &raw, QString *out)
{
    out->clear();
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QChar c = raw.at(i);
        if (c != QLatin1Char('\\')) {
            out->append(c);
            continue;
        }
        if (++i == raw.size())
            return false;
        const QChar e = raw.at(i);
        if (e == QLatin1Char('\\') || e == QLatin1Char('"'))
            out->append(e);
        else if (e == QLatin1Char('n'))
            out->append(QLatin1Char('\n'));
        else
            return false;
    }
    return true;
}

bool matches(const MetricSample &s, const QString &name, const QMap<QString, QString> &labels)
{
    if (s.name != name)
        return false;
    for (auto it = labels.cbegin(); it != labels.cend(); ++it) {
        if (!s.labels.contains(it.key()) || s.labels.value(it.key()) != it.value())
            return false;
    }
    return true;
}

} // namespace

bool parsePrometheusText(const QByteArray &text, QList<MetricSample> *samples, QString *error)
{
    static const QRegularExpression sampleRe(QStringLiteral(
        "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)$"));
    static const QRegularExpression labelRe(
        QStringLiteral("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)"));
    QSet<QString> typed;
    for (const QByteArray &raw : text.split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line.isEmpty())
            continue;
        if (line.startsWith(QLatin1String("# TYPE "))) {
            const QString family = line.section(QLatin1Char(' '), 2, 2);
            if (typed.contains(family)) {
                *error = QStringLiteral("family typed twice: ") + line;
                return false;
            }
            typed.insert(family);
            continue;
        }
        if (line.startsWith(QLatin1String("# HELP ")))
            continue;
        const auto m = sampleRe.match(line);
        if (!m.hasMatch()) {
            *error = QStringLiteral("malformed line: ") + line;
            return false;
        }
        MetricSample s;
        s.name = m.captured(1);
        if (!typed.contains(s.name)) {
            *error = QStringLiteral("sample before its TYPE: ") + line;
            return false;
        }
        const QString labels = m.captured(3);
        qsizetype consumed = 0;
        auto it = labelRe.globalMatch(labels);
        while (it.hasNext()) {
            const auto l = it.next();
            if (l.capturedStart() != consumed) {
                *error = QStringLiteral("malformed labels: ") + line;
                return false;
            }
            consumed = l.capturedEnd();
            QString value;
            if (!unescape(l.captured(2), &value)) {
                *error = QStringLiteral("bad escape in a label value: ") + line;
                return false;
            }
            s.labels.insert(l.captured(1), value);
        }
        if (consumed != labels.size()) {
            *error = QStringLiteral("malformed labels: ") + line;
            return false;
        }
        bool ok = false;
        s.value = m.captured(4).toDouble(&ok);
        if (!ok && m.captured(4) != QLatin1String("NaN")
            && !m.captured(4).endsWith(QLatin1String("Inf"))) {
            *error = QStringLiteral("malformed value: ") + line;
            return false;
        }
        samples->append(s);
    }
    return true;
}

double metricValue(const QList<MetricSample> &samples, const QString &name,
                   const QMap<QString, QString> &labels)
{
    for (const MetricSample &s : samples) {
        if (matches(s, name, labels))
            return s.value;
    }
    return -1;
}

int metricCount(const QList<MetricSample> &samples, const QString &name,
                const QMap<QString, QString> &labels)
{
    int n = 0;
    for (const MetricSample &s : samples)
        n += matches(s, name, labels) ? 1 : 0;
    return n;
}

} // namespace repodeck::test
