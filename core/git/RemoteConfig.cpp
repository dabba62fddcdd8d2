#include "git/RemoteConfig.h"

namespace repodeck::core::git {

namespace {

QString configString(git_config *config, const QByteArray &key)
{
    git_buf buf = GIT_BUF_INIT;
    if (git_config_get_string_buf(&buf, config, key.constData()) != 0)
        return {};
    QString value = QString::fromUtf8(buf.ptr, static_cast<int>(buf.size));
    git_buf_dispose(&buf);
    return value;
}

int configBool(git_config *config, const QByteArray &key)
{
    int value = 0;
    return git_config_get_bool(&value, config, key.constData()) == 0 ? value : -1;
}

Config snapshotOf(git_repository *repo)
{
    git_config *raw = nullptr;
    git_config *snapshot = nullptr;
    if (git_repository_config(&raw, repo) == 0) {
        git_config_snapshot(&snapshot, raw);
        git_config_free(raw);
    }
    return Config(snapshot);
}

QList<QByteArray> multivar(git_config *config, const QByteArray &key)
{
    QList<QByteArray> values;
    // A NULL pattern takes the plain path: no regex.
    git_config_get_multivar_foreach(
        config, key.constData(), nullptr,
        [](const git_config_entry *e, void *payload) {
        static_cast<QList<QByteArray> *>(payload)->append(QByteArray(e->value));
        return 0;
        },
        &values);
    return values;
}

} // namespace

RemoteConfig RemoteConfig::read(git_repository *repo, const QString &name)
{
    RemoteConfig r;
    r.name = name;
    const Config config = snapshotOf(repo);
    if (!config)
        return r;
    const QByteArray prefix = "remote." + name.toUtf8() + '.';
    r.url = configString(config.get(), prefix + "url");
    r.found = !r.url.isEmpty();
    r.fetchSpecs = multivar(config.get(), prefix + "fetch");
    r.prune = configBool(config.get(), prefix + "prune");
    if (r.prune < 0)
        r.prune = configBool(config.get(), "fetch.prune");
    r.tagOpt = configString(config.get(), prefix + "tagopt");
    return r;
}

QString RemoteConfig::applyInsteadOf(git_repository *repo, const QString &url)
{
    const Config config = snapshotOf(repo);
    if (!config)
        return url;
    git_config_iterator *rawIt = nullptr;
    if (git_config_iterator_new(&rawIt, config.get()) != 0) // plain iteration, no regex
        return url;
    QString best, replacement;
    git_config_entry *entry = nullptr;
    while (git_config_next(&entry, rawIt) == 0) {
        const QByteArray key(entry->name);
        if (!key.startsWith("url.") || !key.endsWith(".insteadof"))
            continue;
        const QString prefix = QString::fromUtf8(entry->value);
        if (url.startsWith(prefix) && prefix.size() > best.size()) {
            best = prefix;
            replacement = QString::fromUtf8(
                key.mid(4, key.size() - 4 - int(qstrlen(".insteadof"))));
        }
    }
    git_config_iterator_free(rawIt);
    return best.isEmpty() ? url : replacement + url.mid(best.size());
}

int RemoteConfig::createRemote(git_repository *repo, Remote *out) const
{
    git_remote_create_options opts;
    git_remote_create_options_init(&opts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
    opts.repository = repo;
    opts.name = nullptr; // in memory: nothing is written to the config
    opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
    git_remote *raw = nullptr;
    const int rc = git_remote_create_with_opts(&raw, applyInsteadOf(repo, url).toUtf8().constData(),
                                               &opts);
    out->reset(raw);
    return rc;
}

QByteArray upstreamRefOf(git_repository *repo, const QByteArray &branchRef)
{
    if (!branchRef.startsWith("refs/heads/"))
        return {};
    const Config config = snapshotOf(repo);
    if (!config)
        return {};
    const QByteArray branch = branchRef.mid(int(qstrlen("refs/heads/")));
    const QString remote = configString(config.get(), "branch." + branch + ".remote");
    const QString merge = configString(config.get(), "branch." + branch + ".merge");
    if (remote.isEmpty() || merge.isEmpty())
        return {};
    if (remote == QLatin1String("."))
        return merge.toUtf8(); // tracks a local branch
    for (const QByteArray &spec : multivar(config.get(), "remote." + remote.toUtf8() + ".fetch")) {
        git_refspec *parsed = nullptr;
        if (git_refspec_parse(&parsed, spec.constData(), 1) != 0)
            continue;
        QByteArray tracking;
        if (git_refspec_src_matches(parsed, merge.toUtf8().constData())) {
            git_buf out = GIT_BUF_INIT;
            if (git_refspec_transform(&out, parsed, merge.toUtf8().constData()) == 0)
                tracking = QByteArray(out.ptr, static_cast<int>(out.size));
            git_buf_dispose(&out);
        }
        git_refspec_free(parsed);
        if (!tracking.isEmpty())
            return tracking;
    }
    return {};
}

} // namespace repodeck::core::git
