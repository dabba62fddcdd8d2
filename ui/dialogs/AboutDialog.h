#pragma once

#include <QDialog>

namespace repodeck::ui {

// Version, libgit2 version and TLS backend: the same facts as `repodeck --version`.
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);
};

} // namespace repodeck::ui
