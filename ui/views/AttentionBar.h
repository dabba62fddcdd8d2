#pragma once

#include <QFrame>
#include <QPointer>

class QVBoxLayout;

namespace repodeck::ui {

class TrustCenter;

// A strip above the table with one line per request only a person can
// answer (sign in to a host, trust a host key or a certificate), each with
// the button that opens its dialog and a "Not Now". Hidden when there is
// nothing to ask; nothing here pops up by itself.
class AttentionBar : public QFrame
{
    Q_OBJECT

public:
    AttentionBar(TrustCenter *center, QWidget *parent = nullptr);

    // Opens the dialog for one request (the line's button does this).
    void open(const QString &id);
    QDialog *openDialog() const { return m_dialog; }

signals:
    void message(const QString &text);

private:
    void rebuild();
    TrustCenter *m_center;
    QVBoxLayout *m_rows;
    QPointer<QDialog> m_dialog;
};

} // namespace repodeck::ui
