// RepoFilterProxy: status filters, text search, raw-value sorting, and
// re-filtering when a status changes.
#include "model/RepoFilterProxy.h"
#include "model/RepoTableModel.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace repodeck;
using namespace repodeck::ui;

class TestFilterProxy : public QObject
{
    Q_OBJECT

private:
    RepoTableModel *m_model = nullptr;
    RepoFilterProxy *m_proxy = nullptr;

    QStringList visible() const
    {
        QStringList names;
        for (int r = 0; r < m_proxy->rowCount(); ++r)
            names << m_proxy->index(r, 0).data(RepoTableModel::NameRole).toString();
        return names;
    }

    void add(const QString &name, const QString &url, core::Outcome outcome,
             core::Activity activity = core::Activity::Idle)
    {
        QList<core::RepoSpec> specs = m_model->specs();
        core::RepoSpec s;
        s.name = name;
        s.url = url;
        s.path = QStringLiteral("/srv/") + name;
        specs << s;
        m_model->setRepositories(specs);
        RepoStatus st;
        st.activity = activity;
        st.last.lastOutcome = outcome;
        if (outcome == core::Outcome::Failed)
            st.last.error.category = core::ErrorCategory::Network;
        m_model->setStatus(name, st);
    }

private slots:
    void init()
    {
        m_model = new RepoTableModel(this);
        m_proxy = new RepoFilterProxy(this);
        m_proxy->setSourceModel(m_model);
        new QAbstractItemModelTester(m_proxy,
                                     QAbstractItemModelTester::FailureReportingMode::QtTest,
                                     m_proxy);
        add(QStringLiteral("alpha"), QStringLiteral("https://github.test/a.git"),
            core::Outcome::UpToDate);
        add(QStringLiteral("bravo"), QStringLiteral("git@gitlab.test:team/b.git"),
            core::Outcome::Failed);
        add(QStringLiteral("charlie"), QStringLiteral("https://github.test/c.git"),
            core::Outcome::FetchedOnly);
        add(QStringLiteral("delta"), QStringLiteral("https://github.test/d.git"),
            core::Outcome::None, core::Activity::Waiting);
        m_model->flushPendingUpdates();
        m_proxy->sort(RepoTableModel::Name);
    }

    void cleanup()
    {
        delete m_proxy;
        delete m_model;
    }

    void filters()
    {
        QCOMPARE(visible(), (QStringList{"alpha", "bravo", "charlie", "delta"}));
        m_proxy->setFilter(RepoFilterProxy::Filter::Failing);
        QCOMPARE(visible(), (QStringList{"bravo", "delta"}));
        m_proxy->setFilter(RepoFilterProxy::Filter::NeedsAttention);
        QCOMPARE(visible(), (QStringList{"bravo", "charlie"}));
        m_proxy->setFilter(RepoFilterProxy::Filter::All);
        QCOMPARE(m_proxy->rowCount(), 4);
    }

    void searchMatchesNameUrlAndPathCaseInsensitively()
    {
        m_proxy->setSearchText(QStringLiteral("GITLAB"));
        QCOMPARE(visible(), (QStringList{"bravo"}));
        m_proxy->setSearchText(QStringLiteral("/srv/ch"));
        QCOMPARE(visible(), (QStringList{"charlie"}));
        m_proxy->setSearchText(QStringLiteral("  "));
        QCOMPARE(m_proxy->rowCount(), 4);
        m_proxy->setFilter(RepoFilterProxy::Filter::Failing);
        m_proxy->setSearchText(QStringLiteral("github"));
        QCOMPARE(visible(), (QStringList{"delta"}));
    }

    void statusChangeRefilters()
    {
        m_proxy->setFilter(RepoFilterProxy::Filter::Failing);
        QCOMPARE(visible(), (QStringList{"bravo", "delta"}));
        RepoStatus recovered;
        recovered.last.lastOutcome = core::Outcome::Updated;
        m_model->setStatus(QStringLiteral("bravo"), recovered);
        m_model->flushPendingUpdates();
        QCOMPARE(visible(), (QStringList{"delta"}));
        RepoStatus failed;
        failed.last.lastOutcome = core::Outcome::Failed;
        m_model->setStatus(QStringLiteral("alpha"), failed);
        m_model->flushPendingUpdates();
        QCOMPARE(visible(), (QStringList{"alpha", "delta"}));
    }

    void sortsByRawValues()
    {
        m_proxy->sort(RepoTableModel::State, Qt::AscendingOrder);
        // failed, fetched only (attention), waiting, up to date
        QCOMPARE(visible(), (QStringList{"bravo", "charlie", "delta", "alpha"}));
        m_proxy->sort(RepoTableModel::Name, Qt::DescendingOrder);
        QCOMPARE(visible(), (QStringList{"delta", "charlie", "bravo", "alpha"}));
    }
};

QTEST_MAIN(TestFilterProxy)
#include "tst_filterproxy.moc"
