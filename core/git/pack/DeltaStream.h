#pragma once

#include "git/pack/ObjectHasher.h"
#include "git/pack/PackFormat.h"
#include "git/pack/SpillFile.h"

#include <zlib.h>

#include <atomic>

namespace repodeck::core::git::pack {

// Objects larger than this are never held in memory whole: they are
// inflated or rebuilt piece by piece, hashed on the way, and kept (when a
// delta still needs them as its base) in a SpillFile.
constexpr quint64 kStreamThreshold = quint64(32) << 20;
// The piece size of that streaming (inflate, base reads, writes).
constexpr size_t kStreamPiece = size_t(1) << 20;

// An object's bytes, wherever they are: a view over memory or a spill file.
struct ObjectView
{
    const unsigned char *data = nullptr; // in memory, or
    const SpillFile *file = nullptr;     // on disk
    quint64 size = 0;

    bool read(quint64 offset, size_t size, unsigned char *out) const;
};

// One entry's zlib stream (in the mapped pack), inflated piece by piece.
class Inflater
{
public:
    Inflater(const unsigned char *in, quint64 inSize);
    ~Inflater();
    Inflater(const Inflater &) = delete;
    Inflater &operator=(const Inflater &) = delete;

    // Up to `max` more bytes into `out`; 0 at the end of the stream.
    // False on bad data (or after the end, more than was declared).
    bool read(unsigned char *out, size_t max, size_t *got);
    quint64 total() const { return m_z.total_out; }
    bool ended() const { return m_ended; }

private:
    z_stream m_z{};
    const unsigned char *m_in;
    quint64 m_inLeft;
    bool m_ok = false;
    bool m_ended = false;
};

// Where a streamed object goes: its hash, and its copy on disk when kept.
class ObjectSink
{
public:
    // `stop`: checked on every write (a cancel, another worker's failure);
    // `work` grows by one per MiB written (what the stall check watches).
    ObjectSink(ObjectHasher *hasher, SpillFile *file, const std::atomic<bool> *stop = nullptr,
               std::atomic<quint64> *work = nullptr)
        : m_hasher(hasher)
        , m_file(file)
        , m_stop(stop)
        , m_work(work)
    {
    }
    bool write(const unsigned char *data, size_t size);
    bool flush();
    // Which side failed: the hash (a libgit2 error) or the file (I/O).
    bool fileFailed() const { return m_fileFailed; }
    bool stopped() const { return m_stop && *m_stop; }

private:
    ObjectHasher *m_hasher;
    SpillFile *m_file;
    const std::atomic<bool> *m_stop;
    std::atomic<quint64> *m_work;
    quint64 m_written = 0;
    Bytes m_buffer;
    bool m_fileFailed = false;
};

enum class StreamResult { Ok, Corrupt, BadDelta, SinkFailed, BaseReadFailed, Stopped };

// A whole object of `size` bytes from its zlib stream into `sink`.
StreamResult streamObject(const unsigned char *in, quint64 inSize, quint64 size, ObjectSink &sink);

// A delta (its zlib stream, `deltaSize` bytes inflated) applied to `base`,
// the result into `sink`. Every op is checked first, in a pass that writes
// nothing (a delta that copies from beyond its base, or that makes more or
// less than it declares, costs no output); then the result is made.
// `*deltaError` says why a BadDelta was refused.
StreamResult streamDelta(const unsigned char *in, quint64 inSize, quint64 deltaSize,
                         const ObjectView &base, quint64 maxResult, ObjectSink &sink,
                         DeltaError *deltaError);

// The declared base and result sizes from the start of a delta's zlib stream.
bool peekDeltaSizes(const unsigned char *in, quint64 inSize, quint64 *source, quint64 *target);

} // namespace repodeck::core::git::pack
