#pragma once

#include "state/RepoState.h"

#include <QByteArray>
#include <QString>

namespace repodeck::ui {

// The details pane's Copy and Export: one repository's last run as text for
// people or JSON for scripts (the same field names as the state file and the
// log). The URL must already be redacted.
namespace timelineExport {

QString text(const QString &name, const QString &redactedUrl, const core::RepoState &state);
QByteArray json(const QString &name, const QString &redactedUrl, const core::RepoState &state);

} // namespace timelineExport

} // namespace repodeck::ui
