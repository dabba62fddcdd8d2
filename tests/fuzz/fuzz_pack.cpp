// libFuzzer target: the pack parser and delta resolver (core/git/pack) on
// arbitrary bytes, with a small object limit and memory budget so a run
// stays fast and any allocation past them is a finding.
//
// Every input is resolved a second time with a stream threshold of
// 64 bytes, so the streaming path (DeltaStream, ObjectHasher, spill files in
// the temporary folder) sees the same objects, and must give the same ids.
//
// Links: core/git/pack/PackFormat.cpp, PackParser.cpp, DeltaResolver.cpp,
// IndexWriter.cpp, DeltaStream.cpp, ObjectHasher.cpp, SpillFile.cpp (or
// repodeck_core), Qt6::Core, libgit2 (git_odb_hash), zlib. Seeds:
// tests/fuzz/corpus/pack/.
#include "git/pack/DeltaResolver.h"
#include "git/pack/IndexWriter.h"
#include "git/pack/PackParser.h"

#include <git2.h>

#include <QCryptographicHash>
#include <QDir>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace repodeck::core::git::pack;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bool initialized = git_libgit2_init() > 0;
    (void)initialized;
    constexpr quint64 kLimit = quint64(16) << 20; // objects and delta results
    if (size < 32)
        return 0;
    // Mutations would almost always break the SHA-1 trailer and stop at the
    // checksum: give every input a valid one, so the fuzzer reaches the
    // entries and the resolver.
    QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const QByteArray sum = QCryptographicHash::hash(
        QByteArrayView(bytes.constData(), bytes.size() - 20), QCryptographicHash::Sha1);
    bytes.replace(bytes.size() - 20, 20, sum);
    data = reinterpret_cast<const uint8_t *>(bytes.constData());
    PackParser parser(kLimit);
    // Two appends, so entries straddle a boundary as they do on the network.
    const size_t half = size / 2;
    if (!parser.feed(reinterpret_cast<const char *>(data), half)
        || !parser.feed(reinterpret_cast<const char *>(data) + half, size - half)
        || !parser.finish())
        return 0;
    PackTable &entries = parser.entries();
    std::vector<quint32> roots;
    for (size_t i = 0; i < entries.size(); ++i)
        if (!entries[i].isDelta())
            roots.push_back(static_cast<quint32>(i));
    ResolveOptions options;
    options.maxObjectSize = kLimit;
    options.memoryBudget = quint64(4) << 20;
    options.threads = 2;
    const PackTable parsed = entries;
    DeltaResolver resolver(data, size, entries, options);
    const int rc = resolver.run(roots);
    {
        // The same pack through the streaming path: same verdict, same ids.
        PackTable streamed = parsed;
        ResolveOptions small = options;
        small.streamThreshold = 64;
        small.spillDir = QDir::tempPath();
        small.diskBudget = 256 << 10;
        DeltaResolver again(data, size, streamed, small);
        const int rc2 = again.run(roots);
        if ((rc == 0) != (rc2 == 0))
            abort();
        for (size_t i = 0; rc == 0 && i < streamed.size(); ++i)
            if (!git_oid_equal(&streamed.oid(i), &entries.oid(i)))
                abort();
    }
    if (rc != 0)
        return 0;
    (void)resolver.missingBases();
    git_oid duplicate;
    if (findDuplicate(entries, &duplicate) || resolver.unresolvedCount() > 0)
        return 0;
    QByteArray idx;
    QString error;
    buildIndex(entries, parser.trailer(), &idx, &error);
    return 0;
}
