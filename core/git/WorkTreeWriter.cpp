#include "git/WorkTreeWriter.h"

#ifndef _WIN32

#include "git/EolConversion.h"
#include "git/TreeRules.h"

#include <git2/sys/filter.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace repodeck::core::git {

namespace {

// A large file is written in pieces, each a chance to stop.
constexpr size_t kWritePiece = size_t(8) << 20;
// From this size a blob whose only filter is the eol conversion is
// converted as it is written (EolConversion.h), not by libgit2's buffered
// filter, which holds two more copies of it.
constexpr size_t kStreamedEolFrom = size_t(32) << 20;

// Whether libgit2's filters `filters` (the eol conversion alone) would
// convert `data`: decided by them, on a sample with the same statistics.
int eolWouldConvert(git_filter_list *filters, const char *data, size_t size, bool *convert)
{
    *convert = false;
    TextStats stats;
    gatherTextStats(data, size, &stats);
    const std::string sample = sampleLike(stats);
    if (sample.empty())
        return 0;
    git_buf out = GIT_BUF_INIT;
    const int rc = git_filter_list_apply_to_buffer(&out, filters, sample.data(), sample.size());
    if (rc == 0)
        *convert = out.size != sample.size()
                   || std::memcmp(out.ptr, sample.data(), sample.size()) != 0;
    git_buf_dispose(&out);
    return rc;
}

int fail(const std::string &path, const char *what, int error)
{
    const std::string text = "cannot write " + printablePath(path) + ": " + what + ": "
                             + std::generic_category().message(error);
    // A folder on its way that is not a folder, or a name already taken, is
    // the tree's doing (or someone else's in our own folder): never written
    // through or over.
    git_error_set_str(error == ELOOP || error == ENOTDIR || error == EEXIST ? GIT_ERROR_TREE
                                                                            : GIT_ERROR_OS,
                      text.c_str());
    return -1;
}

int refuse(const std::string &path, const std::string &reason)
{
    git_error_set_str(GIT_ERROR_TREE,
                      ("refused the server's tree: " + printablePath(path) + " " + reason).c_str());
    return -1;
}

int stopped(const std::string &path)
{
    git_error_set_str(GIT_ERROR_CHECKOUT,
                      ("checkout stopped while writing " + printablePath(path)).c_str());
    return -1;
}

// Writes all of `data` to `fd`, in pieces; false with errno set, or with
// errno 0 when `stop` was set.
bool writeAll(int fd, const char *data, size_t size, const std::atomic<bool> *stop)
{
    for (size_t done = 0; done < size;) {
        if (stop && stop->load(std::memory_order_relaxed)) {
            errno = 0;
            return false;
        }
        const size_t piece = std::min(kWritePiece, size - done);
        const ssize_t n = ::write(fd, data + done, piece);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        done += size_t(n);
    }
    return true;
}

} // namespace

void fillStat(const struct stat &st, WrittenStat *out)
{
    out->ctimeSeconds = static_cast<uint32_t>(st.st_ctime);
    out->mtimeSeconds = static_cast<uint32_t>(st.st_mtime);
#if defined(__APPLE__)
    out->ctimeNanos = static_cast<uint32_t>(st.st_ctimespec.tv_nsec);
    out->mtimeNanos = static_cast<uint32_t>(st.st_mtimespec.tv_nsec);
#else
    out->ctimeNanos = static_cast<uint32_t>(st.st_ctim.tv_nsec);
    out->mtimeNanos = static_cast<uint32_t>(st.st_mtim.tv_nsec);
#endif
    out->dev = static_cast<uint32_t>(st.st_dev);
    out->ino = static_cast<uint32_t>(st.st_ino);
    out->uid = static_cast<uint32_t>(st.st_uid);
    out->gid = static_cast<uint32_t>(st.st_gid);
    out->size = static_cast<uint32_t>(st.st_size);
}

WorkTreeWriter::WorkTreeWriter(git_repository *repo, int root, const std::atomic<bool> *stop)
    : m_repo(repo)
    , m_stop(stop)
{
    m_fds.push_back(::dup(root));
}

WorkTreeWriter::~WorkTreeWriter()
{
    for (int fd : m_fds) {
        if (fd >= 0)
            ::close(fd);
    }
}

void WorkTreeWriter::closeFolders(size_t keep)
{
    while (m_fds.size() > keep + 1) {
        ::close(m_fds.back());
        m_fds.pop_back();
        m_names.pop_back();
    }
}

// The open folder `path` is in (made when missing), and where its own
// name starts; -1 with the error set.
int WorkTreeWriter::folderFor(const std::string &path, size_t *nameStart)
{
    if (m_fds.front() < 0)
        return fail(path, "the work tree", EBADF);
    // How many of the open folders this path shares.
    size_t shared = 0;
    size_t start = 0;
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
        if (shared < m_names.size() && path.compare(start, slash - start, m_names[shared]) == 0) {
            ++shared;
            continue;
        }
        break;
    }
    closeFolders(shared);
    for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
        const std::string name = path.substr(start, slash - start);
        const int dir = m_fds.back();
        int next = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0 && errno == ENOENT) {
            // Another writer may make it at the same moment.
            if (::mkdirat(dir, name.c_str(), 0777) != 0 && errno != EEXIST)
                return fail(path, "mkdir", errno);
            next = ::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (next < 0)
            return fail(path, "a folder on its way", errno);
        m_fds.push_back(next);
        m_names.push_back(name);
    }
    *nameStart = start;
    return m_fds.back();
}

int WorkTreeWriter::writeBlob(int folder, const std::string &name, const CheckoutPlan::File &file,
                              WrittenStat *stat)
{
    git_blob *blob = nullptr;
    if (int rc = git_blob_lookup(&blob, m_repo, &file.id); rc < 0) {
        git_odb *odb = nullptr;
        size_t size = 0;
        git_object_t type = GIT_OBJECT_INVALID;
        const int found = git_repository_odb(&odb, m_repo) == 0
                              ? git_odb_read_header(&size, &type, odb, &file.id)
                              : rc;
        git_odb_free(odb);
        if (found == GIT_ENOTFOUND)
            return refuse(file.path, "is a file whose content the server did not send");
        if (found == 0 && type != GIT_OBJECT_BLOB)
            return refuse(file.path, std::string("is a file whose object is a ")
                                         + git_object_type2string(type));
        return rc;
    }
    // The filters git would apply to this path (eol conversion, ident),
    // from the attributes already written (every .gitattributes comes
    // first) and the configuration; none for most files.
    git_filter_list *filters = nullptr;
    int rc = git_filter_list_load(&filters, m_repo, blob, file.path.c_str(), GIT_FILTER_TO_WORKTREE,
                                  GIT_FILTER_DEFAULT);
    git_buf filtered = GIT_BUF_INIT;
    const char *data = static_cast<const char *>(git_blob_rawcontent(blob));
    size_t size = static_cast<size_t>(git_blob_rawsize(blob));
    bool streamedEol = false;
    if (rc == 0 && filters && size >= kStreamedEolFrom && git_filter_list_length(filters) == 1
        && git_filter_list_contains(filters, "crlf")) {
        rc = eolWouldConvert(filters, data, size, &streamedEol);
    } else if (rc == 0 && filters) {
        rc = git_filter_list_apply_to_blob(&filtered, filters, blob);
        data = filtered.ptr;
        size = filtered.size;
    }
    git_filter_list_free(filters);
    if (rc == 0) {
        const mode_t mode = file.mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0777 : 0666;
        const int fd = ::openat(folder, name.c_str(),
                                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0) {
            rc = fail(file.path, "create", errno);
        } else {
            struct stat st
            {};
            const auto sink = [fd, this](const char *piece, size_t n) {
                return writeAll(fd, piece, n, m_stop);
            };
            if (!(streamedEol ? lfToCrlf(data, size, sink, kWritePiece)
                              : writeAll(fd, data, size, m_stop)))
                rc = errno == 0 ? stopped(file.path) : fail(file.path, "write", errno);
            else if (::fstat(fd, &st) != 0)
                rc = fail(file.path, "stat", errno);
            else
                fillStat(st, stat);
            // The size and times are final once closed (no delayed write
            // changes them on the file systems git supports either).
            if (::close(fd) != 0 && rc == 0)
                rc = fail(file.path, "close", errno);
        }
    }
    git_buf_dispose(&filtered);
    git_blob_free(blob);
    return rc;
}

int WorkTreeWriter::writeFile(const CheckoutPlan::File &file, WrittenStat *stat)
{
    if (m_stop && m_stop->load(std::memory_order_relaxed))
        return stopped(file.path);
    size_t nameStart = 0;
    const int folder = folderFor(file.path, &nameStart);
    if (folder < 0)
        return -1;
    const std::string name = file.path.substr(nameStart);
    if (file.mode == GIT_FILEMODE_COMMIT) {
        // A submodule: an empty folder, as git clone leaves it.
        if (::mkdirat(folder, name.c_str(), 0777) != 0)
            return fail(file.path, "mkdir", errno);
        return 0;
    }
    return writeBlob(folder, name, file, stat);
}

int WorkTreeWriter::rewriteFile(const CheckoutPlan::File &file, WrittenStat *stat)
{
    size_t nameStart = 0;
    const int folder = folderFor(file.path, &nameStart);
    if (folder < 0)
        return -1;
    const std::string name = file.path.substr(nameStart);
    const std::string fresh = "." + name + ".repodeck-new";
    ::unlinkat(folder, fresh.c_str(),
               0); // a leftover of a crash (never followed: unlink removes a link)
    if (int rc = writeBlob(folder, fresh, file, stat); rc < 0) {
        ::unlinkat(folder, fresh.c_str(), 0);
        return rc;
    }
    if (::renameat(folder, fresh.c_str(), folder, name.c_str()) != 0) {
        const int error = errno;
        ::unlinkat(folder, fresh.c_str(), 0);
        return fail(file.path, "rename", error);
    }
    // The rename may change the file's ctime: the index gets what is there.
    struct stat st
    {};
    if (::fstatat(folder, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return fail(file.path, "stat", errno);
    fillStat(st, stat);
    return 0;
}

int WorkTreeWriter::writeLink(const CheckoutPlan::Link &link, const std::string &target,
                              bool symlinks)
{
    size_t nameStart = 0;
    const int folder = folderFor(link.path, &nameStart);
    if (folder < 0)
        return -1;
    const std::string name = link.path.substr(nameStart);
    if (symlinks)
        return ::symlinkat(target.c_str(), folder, name.c_str()) == 0
                   ? 0
                   : fail(link.path, "symlink", errno);
    const int fd = ::openat(folder, name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return fail(link.path, "create", errno);
    const bool written = writeAll(fd, target.data(), target.size(), nullptr);
    const int error = errno;
    if (::close(fd) != 0 && written)
        return fail(link.path, "close", errno);
    return written ? 0 : fail(link.path, "write", error);
}

} // namespace repodeck::core::git

#endif
