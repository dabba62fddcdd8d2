#include "git/CheckoutPlan.h"

#include "git/TreeRules.h"

#include <QDir>
#include <QFile>
#include <QStorageInfo>
#include <QString>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace repodeck::core::git {

namespace {

int refuse(std::string_view path, const std::string &reason)
{
    const std::string where = path.empty() ? std::string("the top folder") : printablePath(path);
    git_error_set_str(GIT_ERROR_TREE,
                      ("refused the server's tree: " + where + " " + reason).c_str());
    return -1;
}

std::string mib(size_t bytes)
{
    return std::to_string(bytes >> 20) + " MiB";
}

std::string octal(uint32_t mode)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%06o", static_cast<unsigned>(mode));
    return buf;
}

// The folder `prefix` ("a/b/") as a path, for messages about the folder itself.
std::string_view folderOf(const std::string &prefix)
{
    return std::string_view(prefix).substr(0, prefix.empty() ? 0 : prefix.size() - 1);
}

// git's order of a tree's entries: by name, a folder's as if it ended in
// '/'. Negative when `a` comes first.
int gitOrder(std::string_view a, bool aTree, std::string_view b, bool bTree)
{
    const size_t n = std::min(a.size(), b.size());
    if (const int c = std::memcmp(a.data(), b.data(), n); c != 0)
        return c;
    const unsigned char ca = a.size() > n ? static_cast<unsigned char>(a[n]) : (aTree ? '/' : '\0');
    const unsigned char cb = b.size() > n ? static_cast<unsigned char>(b[n]) : (bTree ? '/' : '\0');
    return int(ca) - int(cb);
}

class Walker
{
public:
    Walker(git_repository *repo, git_odb *odb, bool foldNames, const CheckoutLimits &limits,
           CheckoutPlan *plan)
        : m_repo(repo)
        , m_odb(odb)
        , m_fold(foldNames)
        , m_limits(limits)
        , m_plan(plan)
    {
    }

    // Looks at the object first: a tree whose type or size is wrong is
    // never loaded.
    int load(const git_oid &id, std::string_view path, git_tree **out)
    {
        size_t size = 0;
        git_object_t type = GIT_OBJECT_INVALID;
        const int rc = git_odb_read_header(&size, &type, m_odb, &id);
        if (rc == GIT_ENOTFOUND)
            return refuse(path, "is a folder whose tree the server did not send");
        if (rc < 0)
            return rc;
        if (type != GIT_OBJECT_TREE)
            return refuse(path, std::string("is a folder whose object is a ")
                                    + git_object_type2string(type));
        if (size > m_limits.maxTreeBytes - m_treeBytes)
            return refuse(path, "takes the trees to read past " + mib(m_limits.maxTreeBytes));
        m_treeBytes += size;
        return git_tree_lookup(out, m_repo, &id);
    }

    // Every entry of `tree`, the folder at `prefix`, before any is used.
    int check(const git_tree *tree, const std::string &prefix)
    {
        const size_t count = git_tree_entrycount(tree);
        if (count > m_limits.maxEntries - m_plan->entries)
            return refuse(folderOf(prefix), "takes the checkout past "
                                                + std::to_string(m_limits.maxEntries) + " entries");
        m_plan->entries += count;
        std::unordered_set<std::string_view> names;
        std::unordered_map<std::string, std::string_view> folded;
        names.reserve(count);
        std::string_view previous;
        bool previousTree = false;
        for (size_t i = 0; i < count; ++i) {
            const git_tree_entry *entry = git_tree_entry_byindex(tree, i);
            const std::string_view name = git_tree_entry_name(entry);
            const auto path = [&] { return prefix + std::string(name); };
            const uint32_t mode = git_tree_entry_filemode_raw(entry);
            const EntryKind kind = entryKind(mode);
            if (kind == EntryKind::Unknown)
                return refuse(path(), "has an unknown mode " + octal(mode));
            if (const char *why = refusedName(name, kind))
                return refuse(path(), why);
            const size_t length = prefix.size() + name.size();
            if (length > m_limits.maxPath)
                return refuse(path(),
                              "is longer than " + std::to_string(m_limits.maxPath) + " bytes");
            if (!names.insert(name).second)
                return refuse(path(), "appears twice in one folder");
            // libgit2 looks names up by bisection: in a tree out of git's
            // order a clone's own files read as changed (git fsck:
            // treeNotSorted), and every later sync saw local changes.
            const bool isTree = kind == EntryKind::Tree;
            if (i > 0 && gitOrder(previous, previousTree, name, isTree) > 0)
                return refuse(path(),
                              "is out of git's order in its folder (git fsck: treeNotSorted)");
            previous = name;
            previousTree = isTree;
            if (m_fold) {
                const auto [it, fresh] = folded.emplace(foldedName(name), name);
                if (!fresh)
                    return refuse(path(), "and " + printablePath(prefix + std::string(it->second))
                                              + " are one file on a case-insensitive file system");
            }
            m_pathBytes += length + 1;
            if (m_pathBytes > m_limits.maxPathBytes)
                return refuse(path(), "takes the paths past " + mib(m_limits.maxPathBytes));
        }
        return 0;
    }

private:
    git_repository *m_repo;
    git_odb *m_odb;
    bool m_fold;
    const CheckoutLimits &m_limits;
    CheckoutPlan *m_plan;
    size_t m_pathBytes = 0;
    size_t m_treeBytes = 0;
};

} // namespace

int planCheckout(git_repository *repo, const git_tree *tree, bool foldNames, CheckoutPlan *plan,
                 const CheckoutLimits &limits)
{
    *plan = CheckoutPlan();
    git_odb *odb = nullptr;
    if (int rc = git_repository_odb(&odb, repo); rc < 0)
        return rc;
    Walker walker(repo, odb, foldNames, limits, plan);
    struct Frame
    {
        git_tree *tree;
        size_t next;
        size_t prefixLength; // of the parent's prefix
    };
    std::vector<Frame> stack;
    std::string prefix;
    git_tree *root = nullptr;
    int rc = walker.load(*git_tree_id(tree), {}, &root);
    if (rc == 0) {
        stack.push_back({root, 0, 0});
        rc = walker.check(root, prefix);
    }
    while (rc == 0 && !stack.empty()) {
        Frame &top = stack.back();
        if (top.next == git_tree_entrycount(top.tree)) {
            prefix.resize(top.prefixLength);
            git_tree_free(top.tree);
            stack.pop_back();
            continue;
        }
        const git_tree_entry *entry = git_tree_entry_byindex(top.tree, top.next++);
        std::string path = prefix + git_tree_entry_name(entry);
        switch (entryKind(git_tree_entry_filemode_raw(entry))) {
        case EntryKind::Tree: {
            if (stack.size() >= limits.maxDepth) {
                rc = refuse(path,
                            "is more than " + std::to_string(limits.maxDepth) + " folders deep");
                break;
            }
            git_tree *sub = nullptr;
            if ((rc = walker.load(*git_tree_entry_id(entry), path, &sub)) < 0)
                break;
            const size_t parentLength = prefix.size();
            prefix = std::move(path);
            prefix += '/';
            stack.push_back({sub, 0, parentLength}); // `top` is gone from here on
            rc = walker.check(sub, prefix);
            break;
        }
        case EntryKind::Link:
            plan->links.push_back({std::move(path), *git_tree_entry_id(entry)});
            break;
        case EntryKind::Submodule:
            plan->files.push_back(
                {std::move(path), *git_tree_entry_id(entry), GIT_FILEMODE_COMMIT});
            break;
        case EntryKind::Executable:
            plan->files.push_back(
                {std::move(path), *git_tree_entry_id(entry), GIT_FILEMODE_BLOB_EXECUTABLE});
            break;
        default:
            plan->files.push_back({std::move(path), *git_tree_entry_id(entry), GIT_FILEMODE_BLOB});
            break;
        }
    }
    for (Frame &f : stack)
        git_tree_free(f.tree);
    git_odb_free(odb);
    if (rc < 0)
        *plan = CheckoutPlan();
    return rc;
}

int checkTreeBeforeCheckout(git_repository *repo, const git_object *treeish)
{
    git_object *tree = nullptr;
    if (int rc = git_object_peel(&tree, treeish, GIT_OBJECT_TREE); rc < 0)
        return rc;
    CheckoutPlan plan;
    const int rc = planCheckout(repo, reinterpret_cast<git_tree *>(tree), foldsNames(repo), &plan);
    git_object_free(tree);
    return rc;
}

namespace {

QString bytesText(uint64_t bytes)
{
    const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 6) {
        value /= 1024;
        ++unit;
    }
    return unit == 0
               ? QStringLiteral("%1 bytes").arg(bytes)
               : QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(units[unit]));
}

} // namespace

std::vector<const git_oid *> blobsOf(const CheckoutPlan &plan)
{
    std::vector<const git_oid *> blobs;
    blobs.reserve(plan.files.size() + plan.links.size());
    for (const CheckoutPlan::File &f : plan.files) {
        if (f.mode != GIT_FILEMODE_COMMIT)
            blobs.push_back(&f.id);
    }
    for (const CheckoutPlan::Link &l : plan.links)
        blobs.push_back(&l.blob);
    return blobs;
}

int checkRoomFor(git_repository *repo, const std::vector<const git_oid *> &blobs,
                 const std::function<bool()> &interrupted)
{
    const char *workdir = git_repository_workdir(repo);
    if (!workdir || blobs.empty())
        return 0;
    const QStorageInfo storage(QFile::decodeName(workdir));
    if (!storage.isValid() || storage.bytesAvailable() < 0)
        return 0; // unknown: the writes report a full disk themselves
    const uint64_t available = uint64_t(storage.bytesAvailable());
    const uint64_t usable = available - std::min<uint64_t>(available / 10, uint64_t(1) << 30);
    git_odb *odb = nullptr;
    if (int rc = git_repository_odb(&odb, repo); rc < 0)
        return rc;
    std::unique_ptr<git_odb, void (*)(git_odb *)> owned(odb, git_odb_free);
    // Sizes already read: a tree that repeats a blob a million times costs
    // one header read (bounded, as a tree can name any number of blobs).
    std::unordered_map<std::string, uint64_t> known;
    uint64_t needed = 0;
    for (size_t i = 0; i < blobs.size(); ++i) {
        if (i % 4096 == 4095 && interrupted && interrupted()) {
            git_error_set_str(GIT_ERROR_CHECKOUT,
                              "checkout stopped: the attempt ran out of time (or was cancelled)");
            return -1;
        }
        const std::string key(reinterpret_cast<const char *>(blobs[i]->id), GIT_OID_RAWSZ);
        auto it = known.find(key);
        uint64_t size = 0;
        if (it != known.end()) {
            size = it->second;
        } else {
            size_t length = 0;
            git_object_t type = GIT_OBJECT_INVALID;
            if (int rc = git_odb_read_header(&length, &type, odb, blobs[i]); rc < 0)
                return rc;
            size = length;
            if (known.size() >= 65'536)
                known.clear();
            known.emplace(key, size);
        }
        needed = needed > UINT64_MAX - size ? UINT64_MAX : needed + size;
        if (needed > usable) {
            const QString text
                = QStringLiteral(
                      "No space left on device for this checkout: its files need at least "
                      "%1 (%2 files counted), but %3 has %4 free, and RepoDeck leaves %5 of "
                      "that for everything else (or keep the repository on another disk)")
                      .arg(bytesText(needed), QString::number(i + 1),
                           QDir::toNativeSeparators(storage.rootPath()), bytesText(available),
                           bytesText(available - usable));
            git_error_set_str(GIT_ERROR_OS, text.toUtf8().constData());
            return -1;
        }
    }
    return 0;
}

bool foldsNames(git_repository *repo)
{
#if defined(_WIN32) || defined(__APPLE__)
    (void)repo;
    return true;
#else
    git_config *config = nullptr;
    int folds = 0;
    if (git_repository_config_snapshot(&config, repo) == 0
        && git_config_get_bool(&folds, config, "core.ignorecase") < 0)
        folds = 0;
    git_config_free(config);
    git_error_clear();
    return folds != 0;
#endif
}

int readLinkTarget(git_repository *repo, const CheckoutPlan::Link &link, std::string *target,
                   const CheckoutLimits &limits)
{
    git_odb *odb = nullptr;
    if (int rc = git_repository_odb(&odb, repo); rc < 0)
        return rc;
    size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    int rc = git_odb_read_header(&size, &type, odb, &link.blob);
    git_odb_free(odb);
    if (rc == GIT_ENOTFOUND)
        return refuse(link.path, "is a symbolic link whose target the server did not send");
    if (rc < 0)
        return rc;
    if (type != GIT_OBJECT_BLOB)
        return refuse(link.path, std::string("is a symbolic link whose object is a ")
                                     + git_object_type2string(type));
    if (size == 0)
        return refuse(link.path, "is a symbolic link to nothing");
    if (size > limits.maxLinkTarget)
        return refuse(link.path, "is a symbolic link longer than "
                                     + std::to_string(limits.maxLinkTarget) + " bytes");
    git_blob *blob = nullptr;
    if ((rc = git_blob_lookup(&blob, repo, &link.blob)) < 0)
        return rc;
    target->assign(static_cast<const char *>(git_blob_rawcontent(blob)),
                   static_cast<size_t>(git_blob_rawsize(blob)));
    git_blob_free(blob);
    if (target->find('\0') != std::string::npos)
        return refuse(link.path, "is a symbolic link with a NUL in its target");
    return 0;
}

} // namespace repodeck::core::git
