#include "dialogs/AddRepositoryDialog.h"

#include "io/Async.h"
#include "util/RemoteUrl.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace repodeck::ui {

namespace {

// "https://host/group/tool.git" -> "tool"; "user@host:team/app.git" -> "app".
QString nameFromUrl(const QString &url)
{
    QString tail = url.trimmed();
    while (tail.endsWith(QLatin1Char('/')))
        tail.chop(1);
    tail = tail.section(QRegularExpression(QStringLiteral("[/:\\\\]")), -1);
    if (tail.endsWith(QLatin1String(".git")))
        tail.chop(4);
    return tail;
}

QLabel *messageLabel(QWidget *parent, const QString &objectName)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->hide();
    return label;
}

} // namespace

AddRepositoryDialog::AddRepositoryDialog(const core::Workspace &workspace,
                                         const QString &defaultParent, QWidget *parent)
    : QDialog(parent)
    , m_workspace(workspace)
    , m_defaultParent(defaultParent)
{
    setWindowTitle(tr("Add Repository"));
    setMinimumWidth(560);
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    layout->addLayout(form);

    m_url = new QLineEdit(this);
    m_url->setObjectName(QStringLiteral("urlEdit"));
    m_url->setAccessibleName(tr("Remote URL"));
    m_url->setPlaceholderText(
        QStringLiteral("https://host/group/repo.git, git@host:repo.git or /path/to/repo"));
    m_urlMessage = messageLabel(this, QStringLiteral("urlMessage"));
    form->addRow(tr("&URL:"), m_url);
    form->addRow(QString(), m_urlMessage);

    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("nameEdit"));
    m_name->setAccessibleName(tr("Repository name"));
    m_nameMessage = messageLabel(this, QStringLiteral("nameMessage"));
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_nameMessage);

    auto *pathRow = new QHBoxLayout;
    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("pathEdit"));
    m_path->setAccessibleName(tr("Destination folder"));
    auto *browseButton = new QPushButton(tr("&Browse…"), this);
    browseButton->setAccessibleName(tr("Choose the destination folder"));
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browseButton);
    m_pathMessage = messageLabel(this, QStringLiteral("pathMessage"));
    form->addRow(tr("&Destination:"), pathRow);
    form->addRow(QString(), m_pathMessage);

    m_mode = new QComboBox(this);
    m_mode->setObjectName(QStringLiteral("modeCombo"));
    m_mode->setAccessibleName(tr("Mode"));
    m_mode->addItem(tr("Working copy (fast-forward, never touches local work)"),
                    static_cast<int>(core::RepoMode::WorkingCopy));
    m_mode->addItem(tr("Mirror (bare, all refs, pruned)"),
                    static_cast<int>(core::RepoMode::Mirror));
    form->addRow(tr("&Mode:"), m_mode);

    m_policy = new QComboBox(this);
    m_policy->setObjectName(QStringLiteral("policyCombo"));
    m_policy->setAccessibleName(tr("Retry policy"));
    m_policy->addItems(m_workspace.policies().keys());
    m_policy->setCurrentText(QStringLiteral("default"));
    form->addRow(tr("&Policy:"), m_policy);

    m_branch = new QLineEdit(this);
    m_branch->setAccessibleName(tr("Branch"));
    m_branch->setPlaceholderText(tr("the remote's default branch"));
    form->addRow(tr("B&ranch:"), m_branch);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Add"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_checkDelay.setSingleShot(true);
    m_checkDelay.setInterval(150);
    connect(&m_checkDelay, &QTimer::timeout, this, &AddRepositoryDialog::startDestinationCheck);

    connect(m_url, &QLineEdit::textEdited, this, &AddRepositoryDialog::onUrlEdited);
    connect(m_name, &QLineEdit::textEdited, this, &AddRepositoryDialog::onNameEdited);
    connect(m_path, &QLineEdit::textEdited, this, [this] {
        m_pathTouched = true;
        revalidate();
    });
    connect(m_mode, &QComboBox::currentIndexChanged, this, &AddRepositoryDialog::revalidate);
    connect(browseButton, &QPushButton::clicked, this, &AddRepositoryDialog::browse);
    revalidate();
}

void AddRepositoryDialog::onUrlEdited()
{
    const QString suggested = nameFromUrl(m_url->text());
    if (!m_nameTouched)
        m_name->setText(suggested);
    if (!m_pathTouched)
        m_path->setText(suggested.isEmpty() ? QString()
                                            : QDir(m_defaultParent).filePath(m_name->text()));
    revalidate();
}

void AddRepositoryDialog::onNameEdited()
{
    m_nameTouched = true;
    if (!m_pathTouched)
        m_path->setText(m_name->text().isEmpty() ? QString()
                                                 : QDir(m_defaultParent).filePath(m_name->text()));
    revalidate();
}

void AddRepositoryDialog::setMessage(QLabel *label, const QString &text, bool error)
{
    label->setText(text);
    label->setStyleSheet(error ? QStringLiteral("color: #c0392b;")
                               : QStringLiteral("color: palette(mid);"));
    label->setVisible(!text.isEmpty());
    label->setAccessibleDescription(error ? tr("Error: %1").arg(text) : text);
}

void AddRepositoryDialog::revalidate()
{
    ++m_generation;
    bool ok = true;

    const QString urlText = m_url->text().trimmed();
    const core::RemoteUrl url = core::RemoteUrl::parse(urlText);
    if (urlText.isEmpty()) {
        setMessage(m_urlMessage, {}, false);
        ok = false;
    } else if (!url.isValid()) {
        setMessage(m_urlMessage, url.error(), true);
        ok = false;
    } else if (url.hasPassword()) {
        const bool http = url.kind() == core::RemoteUrl::Kind::Http
                          || url.kind() == core::RemoteUrl::Kind::Https;
        setMessage(
            m_urlMessage,
            http ? tr(
                "The password will move to the system keychain; the workspace keeps the URL without it.")
                 : tr("The URL contains a password; use an SSH key instead."),
            !http);
        ok = http;
    } else {
        setMessage(m_urlMessage, {}, false);
    }

    const QString name = m_name->text().trimmed();
    QString nameError = name.isEmpty() ? QString() : core::validateRepoName(name);
    if (nameError.isEmpty() && m_workspace.repository(name))
        nameError = tr("A repository named \"%1\" already exists; choose another name.").arg(name);
    setMessage(m_nameMessage, nameError, true);
    ok = ok && !name.isEmpty() && nameError.isEmpty();

    // The string checks here; the disk check on a worker after a short pause.
    const QString path = QDir::cleanPath(m_path->text().trimmed());
    QString pathError;
    if (!m_path->text().trimmed().isEmpty() && !QDir::isAbsolutePath(path))
        pathError = tr("Give an absolute folder path.");
    for (const core::RepoSpec &r : m_workspace.repositories()) {
        if (pathError.isEmpty() && QDir::cleanPath(r.path) == path)
            pathError = tr("\"%1\" already syncs into this folder.").arg(r.name);
    }
    m_fieldsOk = ok;
    m_acceptable = false;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    if (!pathError.isEmpty() || m_path->text().trimmed().isEmpty()) {
        m_checkDelay.stop();
        setMessage(m_pathMessage, pathError, true);
        emit validated(false);
        return;
    }
    setMessage(m_pathMessage, tr("Checking the folder…"), false);
    m_checkDelay.start();
}

void AddRepositoryDialog::startDestinationCheck()
{
    if (m_check.isRunning())
        return; // onDestinationChecked starts another round for the newest input
    const int generation = m_generation;
    const QString path = QDir::cleanPath(m_path->text().trimmed());
    const QString url = m_url->text().trimmed();
    const auto mode = static_cast<core::RepoMode>(m_mode->currentData().toInt());
    m_check = runAsync(
        this, [path, url, mode] { return DestinationVerdict::inspect(path, url, mode); },
        [this, generation](const DestinationVerdict &verdict) {
        onDestinationChecked(generation, verdict);
        });
}

void AddRepositoryDialog::onDestinationChecked(int generation, const DestinationVerdict &verdict)
{
    if (generation != m_generation) {
        // The user typed while the check ran: check the newest input instead.
        if (!m_checkDelay.isActive())
            startDestinationCheck();
        return;
    }
    m_verdict = verdict;
    setMessage(m_pathMessage, m_verdict.message, !m_verdict.usable());
    m_acceptable = m_fieldsOk && m_verdict.usable();
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_acceptable);
    emit validated(m_acceptable);
}

void AddRepositoryDialog::browse()
{
    const QString start = m_path->text().isEmpty() ? m_defaultParent : m_path->text();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Destination folder"), start);
    if (dir.isEmpty())
        return;
    m_path->setText(QDir::toNativeSeparators(dir));
    m_pathTouched = true;
    revalidate();
}

core::RepoSpec AddRepositoryDialog::spec() const
{
    core::RepoSpec s;
    s.name = m_name->text().trimmed();
    s.url = m_url->text().trimmed();
    s.path = QDir::toNativeSeparators(QDir::cleanPath(m_path->text().trimmed()));
    s.mode = static_cast<core::RepoMode>(m_mode->currentData().toInt());
    s.branch = m_branch->text().trimmed();
    s.policy = m_policy->currentText();
    return s;
}

QString AddRepositoryDialog::urlMessage() const
{
    return m_urlMessage->text();
}

QString AddRepositoryDialog::nameMessage() const
{
    return m_nameMessage->text();
}

QString AddRepositoryDialog::destinationMessage() const
{
    return m_pathMessage->text();
}

} // namespace repodeck::ui
