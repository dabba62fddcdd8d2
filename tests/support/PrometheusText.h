#pragma once

// Reads Prometheus text exposition format (0.0.4) strictly enough to catch
// malformed output: for the tests of RepoDeck's metrics file.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

namespace repodeck::test {

struct MetricSample
{
    QString name;
    QMap<QString, QString> labels; // values unescaped
    double value = 0;
};

// Every sample of `text`, in order. False (with *error) on a line that is
// neither a comment nor a well-formed sample, on a sample whose family has
// no TYPE line before it, on a family typed twice, and on a label value
// with an escape other than \\ \" \n.
bool parsePrometheusText(const QByteArray &text, QList<MetricSample> *samples, QString *error);

// The value of the first sample named `name` whose labels include `labels`;
// -1 when there is none.
double metricValue(const QList<MetricSample> &samples, const QString &name,
                   const QMap<QString, QString> &labels = {});

// How many samples are named `name` and include `labels`.
int metricCount(const QList<MetricSample> &samples, const QString &name,
                const QMap<QString, QString> &labels = {});

} // namespace repodeck::test
