#include "git/ParallelIndexer.h"

#include <git2/sys/odb_backend.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QThread>

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

// Qt's `foreach` keyword macro would rename git_odb_backend's callback.
#undef foreach

namespace repodeck::core::git {

namespace {

using Bytes = std::vector<unsigned char>;

std::atomic<int> g_indexed{0};
std::atomic<int> g_handedOver{0};

enum PackType : quint8 { Commit = 1, Tree = 2, Blob = 3, Tag = 4, OfsDelta = 6, RefDelta = 7 };

struct Entry
{
    quint64 offset = 0;   // first byte of the entry header
    quint64 data = 0;     // first byte of its zlib stream
    quint64 end = 0;      // one past its zlib stream
    quint64 size = 0;     // inflated size, as the header says
    quint8 type = 0;      // as stored (PackType)
    quint32 crc = 0;      // CRC-32 of the raw entry, for the .idx
    qint64 base = -1;     // OFS_DELTA: index of the base entry
    git_oid baseOid{};    // REF_DELTA
    git_oid oid{};        // set once resolved
};

struct OidHash
{
    size_t operator()(const git_oid &o) const
    {
        size_t h = 0;
        std::memcpy(&h, o.id, sizeof h);
        return h;
    }
};
struct OidEqual
{
    bool operator()(const git_oid &a, const git_oid &b) const { return git_oid_equal(&a, &b); }
};

// --- pure helpers ------------------------------------------------------------

bool inflateEntry(const uchar *pack, const Entry &e, Bytes &out)
{
    out.resize(static_cast<size_t>(e.size));
    unsigned char dummy = 0;
    z_stream z{};
    if (inflateInit(&z) != Z_OK)
        return false;
    // zlib counts in 32 bits: feed and drain it in pieces of at most 1 GiB.
    const uchar *in = pack + e.data;
    quint64 inLeft = e.end - e.data;
    unsigned char *outAt = out.empty() ? &dummy : out.data();
    quint64 outLeft = out.size();
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (z.avail_in == 0 && inLeft > 0) {
            z.next_in = const_cast<uchar *>(in);
            z.avail_in = static_cast<uInt>(std::min<quint64>(inLeft, 1u << 30));
            in += z.avail_in;
            inLeft -= z.avail_in;
        }
        if (z.avail_out == 0 && outLeft > 0) {
            z.next_out = outAt;
            z.avail_out = static_cast<uInt>(std::min<quint64>(outLeft, 1u << 30));
            outAt += z.avail_out;
            outLeft -= z.avail_out;
        }
        if (z.avail_out == 0) {
            z.next_out = &dummy; // room for zlib to say the stream ended (nothing is written)
            z.avail_out = 0;
        }
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc == Z_BUF_ERROR && (inLeft > 0 || outLeft > 0))
            rc = Z_OK; // it only wanted the next piece
    }
    const bool ok = rc == Z_STREAM_END && z.total_out == e.size;
    inflateEnd(&z);
    return ok;
}

bool readDeltaSize(const uchar *&p, const uchar *end, quint64 *size)
{
    quint64 v = 0;
    int shift = 0;
    uchar c = 0;
    do {
        if (p >= end || shift > 63)
            return false;
        c = *p++;
        v |= static_cast<quint64>(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    *size = v;
    return true;
}

// git's delta format: source and target sizes, then copy and insert ops.
bool applyDelta(const Bytes &base, const Bytes &delta, Bytes &out)
{
    const uchar *p = delta.data();
    const uchar *end = p + delta.size();
    quint64 sourceSize = 0, targetSize = 0;
    if (!readDeltaSize(p, end, &sourceSize) || !readDeltaSize(p, end, &targetSize) || sourceSize != base.size())
        return false;
    // Grown as the ops run, never sized from the header alone: a hostile
    // delta cannot make us allocate what it does not produce.
    out.clear();
    out.reserve(static_cast<size_t>(std::min<quint64>(targetSize, base.size() + delta.size() * 16 + 4096)));
    size_t o = 0;
    while (p < end) {
        const uchar op = *p++;
        if (op & 0x80) {
            quint64 off = 0, n = 0;
            for (int i = 0; i < 4; ++i) {
                if (op & (1 << i)) {
                    if (p >= end)
                        return false;
                    off |= static_cast<quint64>(*p++) << (8 * i);
                }
            }
            for (int i = 0; i < 3; ++i) {
                if (op & (0x10 << i)) {
                    if (p >= end)
                        return false;
                    n |= static_cast<quint64>(*p++) << (8 * i);
                }
            }
            if (n == 0)
                n = 0x10000;
            if (off + n > base.size() || o + n > targetSize)
                return false;
            out.insert(out.end(), base.begin() + static_cast<std::ptrdiff_t>(off),
                       base.begin() + static_cast<std::ptrdiff_t>(off + n));
            o += static_cast<size_t>(n);
        } else if (op) {
            if (p + op > end || o + op > targetSize)
                return false;
            out.insert(out.end(), p, p + op);
            p += op;
            o += op;
        } else {
            return false; // reserved opcode
        }
    }
    return o == targetSize;
}

void putBe32(QByteArray &out, quint32 v)
{
    const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    out.append(b, 4);
}

// --- the backend and its writepack ---------------------------------------------

struct Backend
{
    git_odb_backend parent;
    QString packDir;
    bool used = false;
};

class Writepack;

// What libgit2 holds: standard layout, so its first member's address is the
// struct's, and the pointer libgit2 hands back leads to the writepack.
struct WritepackHandle
{
    git_odb_writepack parent;
    Writepack *self;
};

class Writepack
{
public:
    Writepack(Backend *backend, git_odb *odb, git_indexer_progress_cb progress, void *payload)
        : m_backend(backend)
        , m_odb(odb)
        , m_progress(progress)
        , m_payload(payload)
    {
        m_handle.parent.backend = &backend->parent;
        m_handle.parent.append = &Writepack::appendCb;
        m_handle.parent.commit = &Writepack::commitCb;
        m_handle.parent.free = &Writepack::freeCb;
        m_handle.self = this;
    }
    git_odb_writepack *handle() { return &m_handle.parent; }
    ~Writepack()
    {
        if (m_zActive)
            inflateEnd(&m_z);
        m_file.close();
        if (!m_committed && !m_tempPath.isEmpty())
            QFile::remove(m_tempPath);
    }

    bool open()
    {
        m_tempPath = QDir(m_backend->packDir)
                         .filePath(QStringLiteral("tmp_repodeck_%1.pack")
                                       .arg(QRandomGenerator::global()->generate64(), 16, 16, QLatin1Char('0')));
        m_file.setFileName(m_tempPath);
        if (!m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            git_error_set_str(GIT_ERROR_OS, QStringLiteral("cannot create %1: %2")
                                                .arg(m_tempPath, m_file.errorString()).toUtf8().constData());
            return false;
        }
        return true;
    }

private:
    static Writepack *self(git_odb_writepack *w) { return reinterpret_cast<WritepackHandle *>(w)->self; }
    // No exception may cross libgit2's C frames.
    template<typename F>
    static int guarded(F &&f)
    {
        try {
            return f();
        } catch (const std::exception &ex) {
            git_error_set_str(GIT_ERROR_INDEXER, ex.what());
            return -1;
        }
    }
    static int appendCb(git_odb_writepack *w, const void *data, size_t size, git_indexer_progress *stats)
    {
        return guarded([&] { return self(w)->append(static_cast<const char *>(data), size, stats); });
    }
    static int commitCb(git_odb_writepack *w, git_indexer_progress *stats)
    {
        return guarded([&] { return self(w)->commit(stats); });
    }
    static void freeCb(git_odb_writepack *w) { delete self(w); }

    int fail(const QString &why)
    {
        m_state = State::Failed;
        git_error_set_str(GIT_ERROR_INDEXER, why.toUtf8().constData());
        return -1;
    }

    int report(git_indexer_progress *stats)
    {
        if (!m_progress)
            return 0;
        const int rc = m_progress(stats, m_payload);
        if (rc != 0 && !git_error_last())
            git_error_set_str(GIT_ERROR_CALLBACK, "the transfer was stopped by its progress callback");
        return rc;
    }

    int append(const char *data, size_t size, git_indexer_progress *stats)
    {
        if (m_state == State::Failed)
            return -1;
        if (m_file.write(data, static_cast<qint64>(size)) != static_cast<qint64>(size))
            return fail(QStringLiteral("cannot write %1: %2").arg(m_tempPath, m_file.errorString()));
        // The pack checksum covers everything but the last 20 bytes, which
        // are not known to be the last until the stream ends: hold them back.
        m_tail.append(data, static_cast<qsizetype>(size));
        if (m_tail.size() > GIT_OID_RAWSZ) {
            m_checksum.addData(QByteArrayView(m_tail.constData(), m_tail.size() - GIT_OID_RAWSZ));
            m_tail = m_tail.right(GIT_OID_RAWSZ);
        }
        m_buf.append(data, static_cast<qsizetype>(size));
        if (!parse())
            return -1;
        stats->total_objects = m_count;
        stats->received_objects = static_cast<unsigned int>(m_entries.size());
        return report(stats);
    }

    // Reads as much of the stream as has arrived: entry headers, then each
    // zlib stream (inflated into a scratch buffer only to find where it ends
    // and to check its size).
    bool parse()
    {
        while (true) {
            const qsizetype avail = m_buf.size() - m_pos;
            const auto *p = reinterpret_cast<const uchar *>(m_buf.constData()) + m_pos;
            if (m_state == State::Header) {
                if (avail < 12)
                    break;
                if (std::memcmp(p, "PACK", 4) != 0)
                    return fail(QStringLiteral("the server sent something that is not a pack"));
                const quint32 version = (quint32(p[4]) << 24) | (quint32(p[5]) << 16) | (quint32(p[6]) << 8) | p[7];
                if (version != 2 && version != 3)
                    return fail(QStringLiteral("pack version %1 is not supported").arg(version));
                m_count = (quint32(p[8]) << 24) | (quint32(p[9]) << 16) | (quint32(p[10]) << 8) | p[11];
                m_entries.reserve(std::min<quint32>(m_count, 1u << 20)); // the header may lie
                m_pos += 12;
                m_state = m_count ? State::EntryHead : State::Trailer;
            } else if (m_state == State::EntryHead) {
                qsizetype i = 0;
                auto next = [&](uchar *c) {
                    if (i >= avail)
                        return false;
                    *c = p[i++];
                    return true;
                };
                uchar c = 0;
                if (!next(&c))
                    break;
                Entry e;
                e.offset = m_bufStart + static_cast<quint64>(m_pos);
                e.type = (c >> 4) & 7;
                quint64 size = c & 15;
                int shift = 4;
                bool complete = true;
                while (c & 0x80) {
                    if (!next(&c)) {
                        complete = false;
                        break;
                    }
                    if (shift > 57)
                        return fail(QStringLiteral("corrupt pack: object size too large"));
                    size |= static_cast<quint64>(c & 0x7f) << shift;
                    shift += 7;
                }
                if (!complete)
                    break;
                e.size = size;
                if (e.type == OfsDelta) {
                    if (!next(&c))
                        break;
                    quint64 distance = c & 0x7f;
                    while (complete && (c & 0x80)) {
                        if (!next(&c)) {
                            complete = false;
                            break;
                        }
                        if (distance > (std::numeric_limits<quint64>::max() >> 8))
                            return fail(QStringLiteral("corrupt pack: delta base offset too large"));
                        distance = ((distance + 1) << 7) | (c & 0x7f);
                    }
                    if (!complete)
                        break;
                    if (distance == 0 || distance > e.offset)
                        return fail(QStringLiteral("corrupt pack: delta base before the pack start"));
                    const quint64 baseOffset = e.offset - distance;
                    const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), baseOffset,
                                                     [](const Entry &x, quint64 off) { return x.offset < off; });
                    if (it == m_entries.end() || it->offset != baseOffset)
                        return fail(QStringLiteral("corrupt pack: delta base is not an object"));
                    e.base = it - m_entries.begin();
                } else if (e.type == RefDelta) {
                    if (avail - i < GIT_OID_RAWSZ)
                        break;
                    git_oid_fromraw(&e.baseOid, p + i);
                    i += GIT_OID_RAWSZ;
                } else if (e.type < Commit || e.type > Tag) {
                    return fail(QStringLiteral("corrupt pack: unknown object type %1").arg(e.type));
                }
                e.data = e.offset + static_cast<quint64>(i);
                e.crc = static_cast<quint32>(crc32(0, p, static_cast<uInt>(i)));
                m_pos += i;
                m_current = e;
                std::memset(&m_z, 0, sizeof m_z);
                if (inflateInit(&m_z) != Z_OK)
                    return fail(QStringLiteral("zlib could not start"));
                m_zActive = true;
                m_state = State::Inflating;
            } else if (m_state == State::Inflating) {
                if (avail == 0)
                    break;
                m_z.next_in = const_cast<uchar *>(p);
                m_z.avail_in = static_cast<uInt>(std::min<qsizetype>(avail, 1 << 30));
                int rc = Z_OK;
                do {
                    m_z.next_out = m_scratch;
                    m_z.avail_out = sizeof m_scratch;
                    rc = inflate(&m_z, Z_NO_FLUSH);
                } while (rc == Z_OK && m_z.avail_in > 0);
                const auto used = static_cast<qsizetype>(m_z.next_in - p);
                m_current.crc = static_cast<quint32>(crc32(m_current.crc, p, static_cast<uInt>(used)));
                m_pos += used;
                if (rc == Z_STREAM_END) {
                    const bool sizeOk = m_z.total_out == m_current.size;
                    inflateEnd(&m_z);
                    m_zActive = false;
                    if (!sizeOk)
                        return fail(QStringLiteral("corrupt pack: an object's size does not match its header"));
                    m_current.end = m_bufStart + static_cast<quint64>(m_pos);
                    m_entries.push_back(m_current);
                    m_state = m_entries.size() == m_count ? State::Trailer : State::EntryHead;
                } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                    return fail(QStringLiteral("corrupt pack: bad zlib data (%1)").arg(rc));
                } else if (m_pos >= m_buf.size()) {
                    break; // needs more input
                }
            } else if (m_state == State::Trailer) {
                if (avail < GIT_OID_RAWSZ)
                    break;
                m_trailer = QByteArray(reinterpret_cast<const char *>(p), GIT_OID_RAWSZ);
                m_pos += GIT_OID_RAWSZ;
                m_state = State::Done;
            } else if (m_state == State::Done) {
                if (avail > 0)
                    return fail(QStringLiteral("corrupt pack: data after its checksum"));
                break;
            } else {
                return false;
            }
        }
        // Drop what was parsed (cheaply: not on every small step).
        if (m_pos > (1 << 20) || m_pos == m_buf.size()) {
            m_buf.remove(0, m_pos);
            m_bufStart += static_cast<quint64>(m_pos);
            m_pos = 0;
        }
        return true;
    }

    int commit(git_indexer_progress *stats)
    {
        if (m_state != State::Done)
            return fail(m_state == State::Failed ? QStringLiteral("the pack could not be read")
                                                 : QStringLiteral("early EOF: the pack ended before all its objects"));
        if (!m_file.flush())
            return fail(QStringLiteral("cannot write %1: %2").arg(m_tempPath, m_file.errorString()));
        m_file.close();
        if (m_checksum.result() != m_trailer || m_tail != m_trailer)
            return fail(QStringLiteral("packfile trailer mismatch"));

        QFile pack(m_tempPath);
        if (!pack.open(QIODevice::ReadOnly))
            return fail(QStringLiteral("cannot read %1: %2").arg(m_tempPath, pack.errorString()));
        const uchar *map = pack.size() > 0 ? pack.map(0, pack.size()) : nullptr;
        if (!map)
            return fail(QStringLiteral("cannot map %1").arg(m_tempPath));

        const int rc = resolveAll(map, stats);
        pack.unmap(const_cast<uchar *>(map));
        pack.close();
        if (rc == kThin)
            return indexWithLibgit2(stats);
        if (rc != 0)
            return rc;
        return writeIndex(stats);
    }

    static constexpr int kThin = 1;

    // Resolves every object on all cores: each worker takes whole trees of
    // deltas (a base and everything built on it), so a base is inflated
    // once and its deltas are applied while it is in memory.
    int resolveAll(const uchar *map, git_indexer_progress *stats)
    {
        const size_t n = m_entries.size();
        std::vector<std::vector<quint32>> ofsChildren(n);
        std::unordered_map<git_oid, std::vector<quint32>, OidHash, OidEqual> refChildren;
        std::vector<quint32> roots;
        unsigned int deltas = 0;
        for (size_t i = 0; i < n; ++i) {
            const Entry &e = m_entries[i];
            if (e.type == OfsDelta)
                ofsChildren[static_cast<size_t>(e.base)].push_back(static_cast<quint32>(i));
            else if (e.type == RefDelta)
                refChildren[e.baseOid].push_back(static_cast<quint32>(i));
            else
                roots.push_back(static_cast<quint32>(i));
            deltas += e.type == OfsDelta || e.type == RefDelta;
        }
        stats->total_objects = static_cast<unsigned int>(n);
        stats->received_objects = static_cast<unsigned int>(n);
        stats->total_deltas = deltas;
        stats->indexed_objects = 0;
        stats->indexed_deltas = 0;

        std::atomic<size_t> nextRoot{0};
        std::atomic<unsigned int> indexed{0}, indexedDeltas{0};
        std::atomic<bool> stop{false};
        std::atomic<int> running{0};
        std::mutex mutex;
        std::condition_variable done;
        QString failure;

        auto failWith = [&](const QString &why) {
            std::lock_guard lock(mutex);
            if (failure.isEmpty())
                failure = why;
            stop = true;
        };
        // Each entry is resolved once: a duplicated base (which a hostile
        // pack may carry) must not resolve its REF_DELTA children twice.
        std::unique_ptr<std::atomic<bool>[]> claimed(new std::atomic<bool>[n]);
        for (size_t i = 0; i < n; ++i)
            claimed[i] = false;
        auto hashInto = [&](quint32 i, const Bytes &data, quint8 type) {
            static const unsigned char empty = 0;
            if (git_odb_hash(&m_entries[i].oid, data.empty() ? &empty : data.data(), data.size(),
                             static_cast<git_object_t>(type)) < 0) {
                const git_error *err = git_error_last();
                failWith(QString::fromUtf8(err ? err->message : "hashing an object failed"));
                return false;
            }
            ++indexed;
            return true;
        };
        // Depth-first on a heap stack (a server may send chains far deeper
        // than a thread's stack): a base's bytes stay alive while its deltas
        // use them, and are released before its last delta is descended
        // into, so a linear chain holds one or two objects, not all of them.
        struct Frame
        {
            quint32 entry;
            quint8 type;
            Bytes data;
            size_t nextOfs = 0;
            const std::vector<quint32> *refs = nullptr;
            size_t nextRef = 0;
        };
        auto refsOf = [&](quint32 i) -> const std::vector<quint32> * {
            const auto it = refChildren.find(m_entries[i].oid);
            return it == refChildren.end() ? nullptr : &it->second;
        };
        auto resolveTree = [&](quint32 root, Bytes rootData, quint8 type) {
            if (claimed[root].exchange(true) || !hashInto(root, rootData, type))
                return;
            std::vector<Frame> stack;
            stack.push_back(Frame{root, type, std::move(rootData), 0, refsOf(root), 0});
            Bytes delta;
            while (!stack.empty() && !stop) {
                Frame &f = stack.back();
                quint32 child = 0;
                const std::vector<quint32> &ofs = ofsChildren[f.entry];
                if (f.nextOfs < ofs.size()) {
                    child = ofs[f.nextOfs++];
                } else if (f.refs && f.nextRef < f.refs->size()) {
                    child = (*f.refs)[f.nextRef++];
                } else {
                    stack.pop_back();
                    continue;
                }
                if (claimed[child].exchange(true))
                    continue;
                Bytes result;
                if (!inflateEntry(map, m_entries[child], delta) || !applyDelta(f.data, delta, result)) {
                    failWith(QStringLiteral("corrupt pack: the delta at offset %1 does not apply")
                                 .arg(m_entries[child].offset));
                    return;
                }
                ++indexedDeltas;
                const quint8 childType = f.type;
                const bool last = f.nextOfs >= ofs.size() && (!f.refs || f.nextRef >= f.refs->size());
                if (last)
                    stack.pop_back(); // f is gone from here on
                if (!hashInto(child, result, childType))
                    return;
                stack.push_back(Frame{child, childType, std::move(result), 0, refsOf(child), 0});
            }
        };
        auto worker = [&] {
            try {
                Bytes data;
                while (!stop) {
                    const size_t r = nextRoot++;
                    if (r >= roots.size())
                        break;
                    const Entry &e = m_entries[roots[r]];
                    if (!inflateEntry(map, e, data)) {
                        failWith(QStringLiteral("corrupt pack: the object at offset %1 does not inflate").arg(e.offset));
                        break;
                    }
                    resolveTree(roots[r], std::move(data), e.type);
                    data = Bytes();
                }
            } catch (const std::exception &ex) {
                failWith(QStringLiteral("indexing the pack failed: %1").arg(QString::fromUtf8(ex.what())));
            }
            std::lock_guard lock(mutex);
            --running;
            done.notify_all();
        };

        const int threads = std::clamp(QThread::idealThreadCount(), 1, 8);
        std::vector<std::thread> pool;
        running = threads;
        for (int t = 0; t < threads; ++t) {
            try {
                pool.emplace_back(worker);
            } catch (const std::system_error &) {
                std::lock_guard lock(mutex);
                --running; // fewer workers; at least the others finish the job
                if (pool.empty()) {
                    running = 0;
                    return fail(QStringLiteral("cannot start a thread to index the pack"));
                }
            }
        }
        int callbackRc = 0;
        {
            // This thread reports progress (the callback belongs to it) and
            // relays a cancel to the workers.
            std::unique_lock lock(mutex);
            while (running > 0) {
                done.wait_for(lock, std::chrono::milliseconds(100));
                stats->indexed_objects = indexed;
                stats->indexed_deltas = indexedDeltas;
                if (callbackRc == 0) {
                    lock.unlock();
                    callbackRc = report(stats);
                    lock.lock();
                    if (callbackRc != 0)
                        stop = true;
                }
            }
        }
        for (std::thread &t : pool)
            t.join();
        stats->indexed_objects = indexed;
        stats->indexed_deltas = indexedDeltas;
        // The workers may finish before the first report: the callback
        // still gets its say (a cancel) before anything is written.
        if (callbackRc == 0)
            callbackRc = report(stats);
        if (callbackRc != 0)
            return callbackRc;
        if (!failure.isEmpty())
            return fail(failure);
        stats->indexed_objects = indexed;
        stats->indexed_deltas = indexedDeltas;
        if (indexed != n)
            return kThin; // deltas against objects the pack does not carry
        return 0;
    }

    // A thin pack (or anything we do not handle): libgit2's own indexer
    // reads the saved file and can fetch missing bases from the odb.
    int indexWithLibgit2(git_indexer_progress *stats)
    {
        spdlog::debug("parallel indexer: handing {} to libgit2's indexer", m_tempPath.toStdString());
        ++g_handedOver;
        git_indexer_options opts;
        git_indexer_options_init(&opts, GIT_INDEXER_OPTIONS_VERSION);
        opts.progress_cb = m_progress;
        opts.progress_cb_payload = m_payload;
        git_indexer *ix = nullptr;
        int rc = git_indexer_new(&ix, QFile::encodeName(m_backend->packDir).constData(), 0, m_odb, &opts);
        QFile in(m_tempPath);
        if (rc == 0 && !in.open(QIODevice::ReadOnly))
            rc = fail(QStringLiteral("cannot read %1").arg(m_tempPath));
        const size_t receivedBytes = stats->received_bytes;
        *stats = git_indexer_progress{};
        stats->received_bytes = receivedBytes;
        while (rc == 0 && !in.atEnd()) {
            const QByteArray chunk = in.read(1 << 20);
            if (chunk.isEmpty()) {
                rc = fail(QStringLiteral("cannot read %1: %2").arg(m_tempPath, in.errorString()));
                break;
            }
            rc = git_indexer_append(ix, chunk.constData(), static_cast<size_t>(chunk.size()), stats);
        }
        if (rc == 0)
            rc = git_indexer_commit(ix, stats);
        git_indexer_free(ix);
        return rc;
    }

    int writeIndex(git_indexer_progress *stats)
    {
        const size_t n = m_entries.size();
        std::vector<quint32> order(n);
        for (size_t i = 0; i < n; ++i)
            order[i] = static_cast<quint32>(i);
        std::sort(order.begin(), order.end(),
                  [&](quint32 a, quint32 b) { return git_oid_cmp(&m_entries[a].oid, &m_entries[b].oid) < 0; });
        for (size_t i = 1; i < n; ++i) {
            if (git_oid_equal(&m_entries[order[i - 1]].oid, &m_entries[order[i]].oid))
                return fail(QStringLiteral("duplicate object found in pack"));
        }

        QByteArray idx;
        idx.reserve(static_cast<qsizetype>(8 + 1024 + n * 28 + 40));
        idx.append("\377tOc", 4);
        putBe32(idx, 2);
        quint32 fanout[256] = {};
        for (size_t i = 0; i < n; ++i)
            ++fanout[m_entries[i].oid.id[0]];
        quint32 running = 0;
        for (quint32 &f : fanout) {
            running += f;
            f = running;
        }
        for (quint32 f : fanout)
            putBe32(idx, f);
        for (quint32 i : order)
            idx.append(reinterpret_cast<const char *>(m_entries[i].oid.id), GIT_OID_RAWSZ);
        for (quint32 i : order)
            putBe32(idx, m_entries[i].crc);
        QByteArray large;
        quint32 largeCount = 0;
        for (quint32 i : order) {
            const quint64 off = m_entries[i].offset;
            if (off < 0x80000000u) {
                putBe32(idx, static_cast<quint32>(off));
            } else {
                putBe32(idx, 0x80000000u | largeCount++);
                putBe32(large, static_cast<quint32>(off >> 32));
                putBe32(large, static_cast<quint32>(off & 0xffffffffu));
            }
        }
        idx.append(large);
        idx.append(m_trailer);
        idx.append(QCryptographicHash::hash(idx, QCryptographicHash::Sha1));

        const QDir dir(m_backend->packDir);
        const QString name = QStringLiteral("pack-") + QString::fromLatin1(m_trailer.toHex());
        const QString packPath = dir.filePath(name + QStringLiteral(".pack"));
        const QString idxPath = dir.filePath(name + QStringLiteral(".idx"));
        const auto readOnly = QFileDevice::ReadOwner | QFileDevice::ReadGroup | QFileDevice::ReadOther;
        // The .pack first, the .idx last: a reader that sees the index finds its pack.
        bool movedHere = false;
        if (QFile::exists(packPath)) {
            QFile::remove(m_tempPath); // the same pack is already here
        } else if (!QFile::rename(m_tempPath, packPath)) {
            return fail(QStringLiteral("cannot move the pack to %1").arg(packPath));
        } else {
            movedHere = true;
        }
        m_committed = true;
        QFile::setPermissions(packPath, readOnly);
        QSaveFile out(idxPath);
        if (!out.open(QIODevice::WriteOnly) || out.write(idx) != idx.size() || !out.commit()) {
            const QString why = out.errorString();
            if (movedHere)
                QFile::remove(packPath); // never a pack without its index
            return fail(QStringLiteral("cannot write %1: %2").arg(idxPath, why));
        }
        QFile::setPermissions(idxPath, readOnly);
        ++g_indexed;
        stats->indexed_objects = static_cast<unsigned int>(n);
        stats->received_objects = static_cast<unsigned int>(n);
        return 0; // the report after resolving already carried these counts
    }

    enum class State { Header, EntryHead, Inflating, Trailer, Done, Failed };

    WritepackHandle m_handle{};
    Backend *m_backend;
    git_odb *m_odb;
    git_indexer_progress_cb m_progress;
    void *m_payload;
    QString m_tempPath;
    QFile m_file;
    bool m_committed = false;

    State m_state = State::Header;
    QByteArray m_buf;
    qsizetype m_pos = 0;
    quint64 m_bufStart = 0;
    quint32 m_count = 0;
    std::vector<Entry> m_entries;
    Entry m_current;
    z_stream m_z{};
    bool m_zActive = false;
    unsigned char m_scratch[64 * 1024];
    QCryptographicHash m_checksum{QCryptographicHash::Sha1};
    QByteArray m_tail;
    QByteArray m_trailer;
};

int writepackCb(git_odb_writepack **out, git_odb_backend *base, git_odb *odb, git_indexer_progress_cb progress,
                void *payload)
{
    auto *backend = reinterpret_cast<Backend *>(base);
    // One pack per clone; later fetches (which may be thin) go to libgit2.
    if (backend->used || qEnvironmentVariable("REPODECK_INDEXER") == QLatin1String("libgit2"))
        return GIT_PASSTHROUGH;
    backend->used = true;
    auto *w = new (std::nothrow) Writepack(backend, odb, progress, payload);
    if (!w)
        return -1;
    if (!w->open()) {
        delete w;
        return -1;
    }
    *out = w->handle();
    return 0;
}

// libgit2 1.5.1 calls foreach without checking for NULL: nothing to list here.
int foreachCb(git_odb_backend *, git_odb_foreach_cb, void *)
{
    return 0;
}

void freeBackend(git_odb_backend *base)
{
    delete reinterpret_cast<Backend *>(base);
}

} // namespace

int parallelIndexedPacks()
{
    return g_indexed;
}

int handedToLibgit2Packs()
{
    return g_handedOver;
}

int installParallelIndexer(git_repository *repo)
{
    git_odb *odb = nullptr;
    if (int rc = git_repository_odb(&odb, repo); rc < 0)
        return rc;
    auto *backend = new Backend;
    std::memset(&backend->parent, 0, sizeof backend->parent);
    git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION);
    backend->parent.writepack = &writepackCb;
    backend->parent.free = &freeBackend;
    backend->parent.foreach = &foreachCb;
    backend->packDir = QDir(QFile::decodeName(git_repository_path(repo))).filePath(QStringLiteral("objects/pack"));
    QDir().mkpath(backend->packDir);
    // Above the loose (1) and packed (2) backends, so it is asked first.
    const int rc = git_odb_add_backend(odb, &backend->parent, 100);
    if (rc < 0)
        delete backend;
    git_odb_free(odb);
    return rc;
}

int createRepositoryWithParallelIndexer(git_repository **out, const char *path, int bare, void *)
{
    if (int rc = git_repository_init(out, path, static_cast<unsigned>(bare)); rc < 0)
        return rc;
    if (installParallelIndexer(*out) < 0) {
        // Not fatal: libgit2's own indexer takes the pack instead.
        spdlog::warn("parallel indexer not installed: {}", git_error_last() ? git_error_last()->message : "?");
        git_error_clear();
    }
    return 0;
}

} // namespace repodeck::core::git
