// The pack format's pure parts (core/git/pack): hostile deltas, streams and
// packs, row by row, and the delta resolver's memory budget.
#include "HostilePack.h"
#include "git/pack/DeltaResolver.h"
#include "git/pack/IndexWriter.h"
#include "git/pack/PackFormat.h"
#include "git/pack/PackFile.h"
#include "git/pack/PackParser.h"
#include "retry/ErrorClassifier.h"

#include <git2.h>

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <zlib.h>

#include <cerrno>

using namespace repodeck::core::git::pack;
using repodeck::test::HostilePack;

Q_DECLARE_METATYPE(DeltaError)

namespace {

QByteArray deflated(const QByteArray &in)
{
    uLongf size = compressBound(static_cast<uLong>(in.size()));
    QByteArray out(static_cast<qsizetype>(size), Qt::Uninitialized);
    compress(reinterpret_cast<Bytef *>(out.data()), &size,
             reinterpret_cast<const Bytef *>(in.constData()), static_cast<uLong>(in.size()));
    out.truncate(static_cast<qsizetype>(size));
    return out;
}

const unsigned char *bytes(const QByteArray &a)
{
    return reinterpret_cast<const unsigned char *>(a.constData());
}

// Parses `pack` in `piece`-sized appends, as the network delivers it.
bool parse(PackParser &parser, const QByteArray &pack, int piece = 7)
{
    for (qsizetype at = 0; at < pack.size(); at += piece)
        if (!parser.feed(pack.constData() + at,
                         static_cast<size_t>(std::min<qsizetype>(piece, pack.size() - at))))
            return false;
    return parser.finish();
}

std::vector<quint32> rootsOf(const PackTable &entries)
{
    std::vector<quint32> roots;
    for (size_t i = 0; i < entries.size(); ++i)
        if (!entries[i].isDelta())
            roots.push_back(static_cast<quint32>(i));
    return roots;
}

} // namespace

class TestPackFormat : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY(git_libgit2_init() > 0); }
    void cleanupTestCase() { git_libgit2_shutdown(); }

    void applyDelta_data()
    {
        QTest::addColumn<QByteArray>("base");
        QTest::addColumn<QByteArray>("delta");
        QTest::addColumn<DeltaError>("error");
        QTest::addColumn<QByteArray>("result");
        const QByteArray base("0123456789");
        using H = HostilePack;
        QTest::newRow("copy and insert")
            << base << H::deltaHeader(10, 7) + H::copyOp(2, 3) + H::insertOp("abcd")
            << DeltaError::None << QByteArray("234abcd");
        QTest::newRow("empty result")
            << base << H::deltaHeader(10, 0) << DeltaError::None << QByteArray();
        QTest::newRow("size 0 copies 64 KiB")
            << QByteArray(0x10000, 'z')
            << H::deltaHeader(0x10000, 0x10000) + QByteArray(1, char(0x80)) << DeltaError::None
            << QByteArray(0x10000, 'z');
        QTest::newRow("no header") << base << QByteArray() << DeltaError::Truncated << QByteArray();
        QTest::newRow("varint runs off the end")
            << base << QByteArray("\x8a\x80", 2) << DeltaError::Truncated << QByteArray();
        QTest::newRow("varint over 64 bits")
            << base << QByteArray(11, char(0xff)) + QByteArray(1, '\x01') << DeltaError::Truncated
            << QByteArray();
        QTest::newRow("source size mismatch") << base << H::deltaHeader(11, 1) + H::insertOp("a")
                                              << DeltaError::SourceMismatch << QByteArray();
        QTest::newRow("declares 16 GiB")
            << base << H::deltaHeader(10, quint64(16) << 30) + H::copyOp(0, 10)
            << DeltaError::TooLarge << QByteArray();
        QTest::newRow("declares 2 GiB + 1")
            << base << H::deltaHeader(10, (quint64(2) << 30) + 1) + H::copyOp(0, 10)
            << DeltaError::TooLarge << QByteArray();
        QTest::newRow("declares 2^64-1")
            << base << H::deltaHeader(10, ~quint64(0)) << DeltaError::TooLarge << QByteArray();
        QTest::newRow("copy past the base") << base << H::deltaHeader(10, 5) + H::copyOp(8, 5)
                                            << DeltaError::CopyOutOfRange << QByteArray();
        QTest::newRow("copy offset wraps")
            << base << H::deltaHeader(10, 5) + H::copyOp(0xffffffff, 5)
            << DeltaError::CopyOutOfRange << QByteArray();
        QTest::newRow("copy past the result") << base << H::deltaHeader(10, 3) + H::copyOp(0, 5)
                                              << DeltaError::TargetOverflow << QByteArray();
        QTest::newRow("insert past the result")
            << base << H::deltaHeader(10, 3) + H::insertOp("abcd") << DeltaError::TargetOverflow
            << QByteArray();
        QTest::newRow("insert runs off the end") << base
                                                 << H::deltaHeader(10, 4)
                                                        + QByteArray(
                                                            "\x04"
                                                            "ab",
                                                            3)
                                                 << DeltaError::Truncated << QByteArray();
        QTest::newRow("copy args run off the end")
            << base << H::deltaHeader(10, 4) + QByteArray("\x91\x01", 2) << DeltaError::Truncated
            << QByteArray();
        QTest::newRow("reserved opcode") << base << H::deltaHeader(10, 4) + QByteArray(1, '\0')
                                         << DeltaError::ReservedOpcode << QByteArray();
        QTest::newRow("short result") << base << H::deltaHeader(10, 8) + H::copyOp(0, 4)
                                      << DeltaError::ShortResult << QByteArray();
    }

    void applyDelta()
    {
        QFETCH(QByteArray, base);
        QFETCH(QByteArray, delta);
        QFETCH(DeltaError, error);
        QFETCH(QByteArray, result);
        Bytes out;
        QElapsedTimer t;
        t.start();
        QCOMPARE(repodeck::core::git::pack::applyDelta(bytes(base), size_t(base.size()),
                                                       bytes(delta), size_t(delta.size()),
                                                       kMaxObjectSize, out),
                 error);
        QVERIFY(t.elapsed() < 1000); // a declared size never costs time
        if (error == DeltaError::None)
            QCOMPARE(QByteArray(reinterpret_cast<const char *>(out.data()), qsizetype(out.size())),
                     result);
    }

    void inflateEntry_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<quint64>("size");
        QTest::addColumn<bool>("ok");
        const QByteArray text = QByteArray("some text ").repeated(100);
        QTest::newRow("exact") << deflated(text) << quint64(text.size()) << true;
        QTest::newRow("empty object") << deflated({}) << quint64(0) << true;
        QTest::newRow("declared larger") << deflated(text) << quint64(text.size() + 1) << false;
        QTest::newRow("declared smaller") << deflated(text) << quint64(text.size() - 1) << false;
        QTest::newRow("bomb behind a small size")
            << deflated(QByteArray(1 << 24, '\0')) << quint64(16) << false;
        QTest::newRow("truncated stream")
            << deflated(text).left(10) << quint64(text.size()) << false;
        QTest::newRow("not zlib") << QByteArray("garbage garbage") << quint64(4) << false;
        QTest::newRow("over the object limit") << deflated(text) << (kMaxObjectSize + 1) << false;
    }

    void inflateEntry()
    {
        QFETCH(QByteArray, stream);
        QFETCH(quint64, size);
        QFETCH(bool, ok);
        Bytes out;
        QCOMPARE(repodeck::core::git::pack::inflateEntry(bytes(stream), size_t(stream.size()), size,
                                                         out),
                 ok);
    }

    void parser_data()
    {
        QTest::addColumn<QByteArray>("pack");
        QTest::addColumn<QString>("error"); // empty: parses
        using H = HostilePack;
        const QByteArray good = H::build({H::Entry{H::Blob, "abc", {}, -1, 0}});
        QTest::newRow("good") << good << QString();
        QTest::newRow("not a pack") << QByteArray("GIT!") + good.mid(4) << "not a pack";
        QByteArray v9 = good;
        v9[7] = 9;
        QTest::newRow("version 9") << v9 << "version 9";
        QTest::newRow("truncated") << good.left(good.size() - 3) << "early EOF";
        QByteArray flipped = good;
        flipped[flipped.size() - 1] = char(flipped[flipped.size() - 1] ^ 1);
        QTest::newRow("bad checksum") << flipped << "trailer mismatch";
        QTest::newRow("data after the checksum") << good + "x"
                                                 << "after its checksum";
        // Hand-made headers: a 3 GiB blob, a bomb, bad bases, a bad type.
        auto withEntry = [](const QByteArray &entry, quint32 count = 1) {
            QByteArray p("PACK\0\0\0\2", 8);
            p.append(char(count >> 24))
                .append(char(count >> 16))
                .append(char(count >> 8))
                .append(char(count));
            p += entry;
            return p + QCryptographicHash::hash(p, QCryptographicHash::Sha1);
        };
        // type blob (3), size 3 GiB = 0xC0000000: 4 low bits 0, then 7-bit groups.
        QTest::newRow("object over 2 GiB")
            << withEntry(QByteArray("\xb0\x80\x80\x80\x80\x03", 6) + deflated("x"))
            << "over the limit";
        QTest::newRow("zlib bomb")
            << withEntry(QByteArray("\x3a", 1) + deflated(QByteArray(1 << 24, '\0')))
            << "larger than its header";
        QTest::newRow("offset base before the start")
            << withEntry(QByteArray("\x61\x7f", 2) + deflated("x")) << "before the pack start";
        QTest::newRow("offset base not an object") << withEntry(
            QByteArray("\x31", 1) + deflated("a") + QByteArray("\x61\x01", 2) + deflated("x"), 2)
                                                   << "not an object";
        QTest::newRow("type 5") << withEntry(QByteArray("\x51", 1) + deflated("x"))
                                << "unknown object type 5";
        QTest::newRow("size varint too long")
            << withEntry(QByteArray(12, char(0xbf)) + QByteArray(1, '\x01')) << "size too large";
    }

    void parser()
    {
        QFETCH(QByteArray, pack);
        QFETCH(QString, error);
        for (int piece : {7, 1 << 20}) {
            PackParser p;
            const bool ok = parse(p, pack, piece);
            QCOMPARE(ok, error.isEmpty());
            if (!ok)
                QVERIFY2(p.error().contains(error), qPrintable(p.error()));
        }
    }

    // Whole hostile packs through parser and resolver: each ends at once,
    // with the reason.
    void hostilePacks_data()
    {
        QTest::addColumn<QByteArray>("pack");
        QTest::addColumn<QString>("error"); // of the resolver; empty: resolves
        QTest::addColumn<bool>("duplicate");
        QTest::addColumn<int>("missing"); // bases a thin pack expects from the repository
        QTest::newRow("112-byte loop pack")
            << HostilePack::loopPack() << "rebuilds its own base" << false << 1;
        QTest::newRow("missing base") << HostilePack::missingBasePack() << QString() << false << 1;
        QTest::newRow("duplicate") << HostilePack::duplicatePack() << QString() << true << 0;
        QTest::newRow("16 GiB declared")
            << HostilePack::hugeDeclaredDeltaPack() << "larger than 2 GiB" << false << 0;
    }

    void hostilePacks()
    {
        QFETCH(QByteArray, pack);
        QFETCH(QString, error);
        QFETCH(bool, duplicate);
        QFETCH(int, missing);
        QElapsedTimer t;
        t.start();
        PackParser parser;
        QVERIFY2(parse(parser, pack, 1 << 16), qPrintable(parser.error()));
        PackTable &entries = parser.entries();
        ResolveOptions options;
        options.memoryBudget = 1 << 20;
        DeltaResolver resolver(bytes(pack), size_t(pack.size()), entries, options);
        const int rc = resolver.run(rootsOf(entries));
        QVERIFY(t.elapsed() < 5000);
        if (!error.isEmpty()) {
            QCOMPARE(rc, -1);
            QVERIFY2(resolver.error().contains(error), qPrintable(resolver.error()));
            return;
        }
        QCOMPARE(rc, 0);
        git_oid dup;
        QCOMPARE(findDuplicate(entries, &dup), duplicate);
        QCOMPARE(int(resolver.missingBases().size()), missing);
    }

    void loopPackIs112Bytes() { QCOMPARE(HostilePack::loopPack().size(), 112); }

    // The fuzz seeds (tests/fuzz/corpus/pack) are the crafted packs as
    // HostilePack builds them today; REPODECK_WRITE_PACK_CORPUS=1 rewrites them.
    void fuzzCorpusMatchesTheBuilders()
    {
        const QString dir = QStringLiteral(QT_TESTCASE_SOURCEDIR "/../fuzz/corpus/pack");
        const QList<QPair<QString, QByteArray>> seeds{
            {"loop.pack", HostilePack::loopPack()},
            {"missing-base.pack", HostilePack::missingBasePack()},
            {"duplicate.pack", HostilePack::duplicatePack()},
            {"huge-declared-delta.pack", HostilePack::hugeDeclaredDeltaPack()},
            {"amplification-1mib.pack", HostilePack::amplificationPack(24, 1 << 20)},
            {"binary-tree-64k.pack", HostilePack::binaryTreePack(5, 1 << 16)},
        };
        const bool write = qEnvironmentVariableIsSet("REPODECK_WRITE_PACK_CORPUS");
        for (const auto &[name, bytes] : seeds) {
            QFile f(dir + "/" + name);
            if (write) {
                QVERIFY(f.open(QIODevice::WriteOnly));
                f.write(bytes);
                continue;
            }
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
            QVERIFY2(f.readAll() == bytes, qPrintable(name));
        }
    }

    // Issue 15 item 6: what a failed write says, for each errno that matters.
    void ioFailureMessages_data()
    {
        QTest::addColumn<int>("error");
        QTest::addColumn<QString>("contains");
        QTest::addColumn<int>("category");
        QTest::newRow("ENOSPC") << ENOSPC << "No space left on device"
                                << int(repodeck::core::ErrorCategory::Local);
#ifdef EDQUOT
        QTest::newRow("EDQUOT") << EDQUOT << "Disk quota exceeded"
                                << int(repodeck::core::ErrorCategory::Local);
#endif
        QTest::newRow("EACCES") << EACCES << "in the folder /srv/repos/x/.git/objects/pack"
                                << int(repodeck::core::ErrorCategory::Local);
        QTest::newRow("EROFS") << EROFS << "in the folder /srv/repos/x/.git/objects/pack"
                               << int(repodeck::core::ErrorCategory::Local);
        QTest::newRow("EIO") << EIO << "Input/output error"
                             << int(repodeck::core::ErrorCategory::Local);
    }

    void ioFailureMessages()
    {
        QFETCH(int, error);
        QFETCH(QString, contains);
        QFETCH(int, category);
        const IoFailure f{error,
                          QStringLiteral("/srv/repos/x/.git/objects/pack/tmp_repodeck_1.pack"),
                          QStringLiteral("write")};
        QVERIFY2(f.message().contains(contains), qPrintable(f.message()));
        QCOMPARE(f.raise(), -1);
        repodeck::core::FailureInput in;
        in.gitClass = git_error_last()->klass;
        in.gitCode = -1;
        in.gitMessage = QString::fromUtf8(git_error_last()->message);
        in.host = QStringLiteral("127.0.0.1");
        const repodeck::core::SyncError e = repodeck::core::classifyFailure(in);
        QCOMPARE(int(e.category), category);
        if (contains.contains("space") || contains.contains("quota")) {
            QVERIFY2(e.message.contains("disk is full"), qPrintable(e.text()));
            QVERIFY(e.message.contains("/srv/repos/x/.git/objects/pack/tmp_repodeck_1.pack"));
        }
    }

    // Ids are git's, through the resolver's own path (REF and OFS deltas).
    void resolvesToGitsIds()
    {
        using H = HostilePack;
        const QByteArray a("first version of a file\n");
        const QByteArray b = a + "second line\n";
        const QByteArray c = "third: " + b;
        const QByteArray pack = H::build({
            H::Entry{H::Blob, a, {}, -1, 0},
            H::Entry{H::OfsDelta,
                     H::deltaHeader(quint64(a.size()), quint64(b.size()))
                         + H::copyAll(quint64(a.size())) + H::insertOp("second line\n"),
                     {},
                     0,
                     0},
            H::Entry{H::RefDelta,
                     H::deltaHeader(quint64(b.size()), quint64(c.size())) + H::insertOp("third: ")
                         + H::copyAll(quint64(b.size())),
                     H::objectId(H::Blob, b), -1, 0},
        });
        PackParser parser;
        QVERIFY(parse(parser, pack));
        DeltaResolver resolver(bytes(pack), size_t(pack.size()), parser.entries(), {});
        QCOMPARE(resolver.run(rootsOf(parser.entries())), 0);
        const auto &e = parser.entries();
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(e.oid(0).id), 20),
                 H::objectId(H::Blob, a));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(e.oid(1).id), 20),
                 H::objectId(H::Blob, b));
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(e.oid(2).id), 20),
                 H::objectId(H::Blob, c));
        QByteArray idx;
        QString why;
        QVERIFY(buildIndex(e, parser.trailer(), &idx, &why));
        QCOMPARE(idx.size(), 8 + 1024 + 3 * 28 + 40);
    }

    // Finding 5: a tree where every base has two heavy children keeps a
    // base per level; the budget bounds what is kept, the ids stay the same.
    void memoryBudgetBoundsHeldBases()
    {
        const qint64 object = 1 << 20;
        const QByteArray pack = HostilePack::binaryTreePack(7, object);
        auto run = [&](quint64 budget, quint64 *peak, quint64 *rebuilt, PackTable *out) {
            PackParser parser;
            QVERIFY(parse(parser, pack, 1 << 16));
            ResolveOptions options;
            options.memoryBudget = budget;
            options.threads = 1;
            DeltaResolver resolver(bytes(pack), size_t(pack.size()), parser.entries(), options);
            QCOMPARE(resolver.run(rootsOf(parser.entries())), 0);
            QCOMPARE(resolver.unresolvedCount(), size_t(0));
            *peak = resolver.peakHeldBytes();
            *rebuilt = resolver.rebuiltBases();
            *out = parser.entries();
        };
        quint64 freePeak = 0, freeRebuilt = 0, tightPeak = 0, tightRebuilt = 0;
        PackTable freeEntries, tightEntries;
        run(quint64(1) << 40, &freePeak, &freeRebuilt, &freeEntries);
        run(quint64(2) * object, &tightPeak, &tightRebuilt, &tightEntries);
        qInfo("held bases: %llu KiB without a budget, %llu KiB with a 2 MiB budget (%llu rebuilt)",
              freePeak >> 10, tightPeak >> 10, tightRebuilt);
        QCOMPARE(freeRebuilt, quint64(0));
        QVERIFY(freePeak >= quint64(5 * object));
        QVERIFY(tightRebuilt > 0);
        QVERIFY2(tightPeak <= quint64(4 * object), qPrintable(QString::number(tightPeak)));
        QCOMPARE(tightEntries.size(), size_t(127));
        for (size_t i = 0; i < tightEntries.size(); ++i)
            QVERIFY(git_oid_equal(&freeEntries.oid(i), &tightEntries.oid(i)));
    }

    // The streaming path (objects over the threshold built piece by piece,
    // large bases in spill files) gives the in-memory path's ids and
    // verdicts. A 64-byte threshold sends every object there; a disk
    // budget of one object makes spilled bases be dropped and rebuilt.
    void streamingMatchesMemory_data()
    {
        QTest::addColumn<QByteArray>("pack");
        QTest::addColumn<quint64>("diskBudget");
        QTest::addColumn<QString>("error");
        const quint64 mib = quint64(1) << 20;
        QTest::newRow("binary tree, 64 KiB objects")
            << HostilePack::binaryTreePack(6, 64 << 10) << (quint64(1) << 40) << QString();
        QTest::newRow("binary tree, tight disk budget")
            << HostilePack::binaryTreePack(6, 64 << 10) << quint64(65 << 10) << QString();
        QTest::newRow("amplification chain")
            << HostilePack::amplificationPack(6, 256 << 10) << (quint64(1) << 40) << QString();
        QTest::newRow("chained 3 x 4 MiB")
            << HostilePack::chainedHugeDeltaPack(3, 4 * mib) << (quint64(1) << 40) << QString();
        QTest::newRow("siblings 3 x 4 MiB")
            << HostilePack::siblingHugeDeltasPack(3, 4 * mib) << (quint64(1) << 40) << QString();
        QTest::newRow("ref deltas, loop")
            << HostilePack::loopPack() << (quint64(1) << 40) << "rebuilds its own base";
        QTest::newRow("copies beyond its base")
            << HostilePack::farCopyDeltaPack(4 * mib) << (quint64(1) << 40)
            << "copies from beyond its base";
        QTest::newRow("makes less than declared")
            << HostilePack::shortDeltaPack(4 * mib) << (quint64(1) << 40)
            << "produces less than it declares";
        QTest::newRow("16 GiB declared")
            << HostilePack::hugeDeclaredDeltaPack() << (quint64(1) << 40) << "larger than 2 GiB";
    }
    void streamingMatchesMemory()
    {
        QFETCH(QByteArray, pack);
        QFETCH(quint64, diskBudget);
        QFETCH(QString, error);
        QTemporaryDir spill;
        auto run =
            [&](bool streamed, PackTable *out, QString *why, quint64 *count, quint64 *rebuilt) {
            PackParser parser;
            QVERIFY2(parse(parser, pack, 1 << 16), qPrintable(parser.error()));
            ResolveOptions options;
            options.threads = 1;
            if (streamed) {
                options.streamThreshold = 64;
                options.spillDir = spill.path();
                options.diskBudget = diskBudget;
            }
            DeltaResolver resolver(bytes(pack), size_t(pack.size()), parser.entries(), options);
            resolver.run(rootsOf(parser.entries()));
            *out = parser.entries();
            *why = resolver.error();
            *count = resolver.streamedObjects();
            *rebuilt = resolver.rebuiltBases();
        };
        PackTable memory, streamed;
        QString memoryError, streamedError;
        quint64 none = 0, count = 0, rebuilt = 0, memoryRebuilt = 0;
        run(false, &memory, &memoryError, &none, &memoryRebuilt);
        run(true, &streamed, &streamedError, &count, &rebuilt);
        QCOMPARE(streamedError, memoryError);
        if (!error.isEmpty()) {
            QVERIFY2(streamedError.contains(error), qPrintable(streamedError));
            return;
        }
        QVERIFY2(streamedError.isEmpty(), qPrintable(streamedError));
        QVERIFY(count > 0);
        if (diskBudget < (quint64(1) << 20))
            QVERIFY2(rebuilt > 0, "the disk budget never dropped a spilled base");
        QCOMPARE(streamed.size(), memory.size());
        for (size_t i = 0; i < memory.size(); ++i) {
            QVERIFY(streamed[i].resolved && memory[i].resolved);
            QVERIFY(git_oid_equal(&streamed.oid(i), &memory.oid(i)));
        }
        QVERIFY2(QDir(spill.path()).isEmpty(), "a spill file stayed behind");
    }

    // The amplification pack's chain (each link with a side delta listed
    // after it) holds a few bases, not one per link: light children first.
    void amplificationChainKeepsFewBases()
    {
        const qint64 object = 1 << 20;
        const QByteArray pack = HostilePack::amplificationPack(24, object);
        PackParser parser;
        QVERIFY(parse(parser, pack, 1 << 16));
        DeltaResolver resolver(bytes(pack), size_t(pack.size()), parser.entries(), {});
        QCOMPARE(resolver.run(rootsOf(parser.entries())), 0);
        QCOMPARE(resolver.unresolvedCount(), size_t(0));
        QVERIFY2(resolver.peakHeldBytes() <= quint64(3 * object),
                 qPrintable(QString::number(resolver.peakHeldBytes())));
    }

    // A callback's non-zero stops the workers and is the result.
    void progressCallbackStops()
    {
        const QByteArray pack = HostilePack::binaryTreePack(9, 1 << 20);
        PackParser parser;
        QVERIFY(parse(parser, pack, 1 << 16));
        ResolveOptions options;
        int calls = 0;
        options.progress = [&](const ResolveProgress &) { return ++calls >= 1 ? -7 : 0; };
        DeltaResolver resolver(bytes(pack), size_t(pack.size()), parser.entries(), options);
        QElapsedTimer t;
        t.start();
        QCOMPARE(resolver.run(rootsOf(parser.entries())), -7);
        QVERIFY(t.elapsed() < 2000);
        QVERIFY(resolver.unresolvedCount() > 0);
    }
};

QTEST_GUILESS_MAIN(TestPackFormat)
#include "tst_packformat.moc"
