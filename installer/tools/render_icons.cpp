// Renders the one application SVG into every raster size the platforms want:
// hicolor PNGs for Linux and a multi-size .ico for Windows (macOS .icns is
// made from the same PNGs with iconutil, see installer/CMakeLists.txt).
// Usage: repodeck_render_icons APP.svg OUTDIR
//        repodeck_render_icons --png SIZE IN.svg OUT.png   (one icon, for
//        builds whose Qt has no SVG support: the Windows SDK)
#include <QGuiApplication>
#include <QImage>
#include <QImageWriter>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    if (argc == 5 && qstrcmp(argv[1], "--png") == 0) {
        const int size = QByteArray(argv[2]).toInt();
        QSvgRenderer one(QString::fromLocal8Bit(argv[3]));
        if (size <= 0 || size > 1024 || !one.isValid()) {
            std::fprintf(stderr, "cannot render %s at %s px\n", argv[3], argv[2]);
            return 1;
        }
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        one.render(&painter);
        painter.end();
        // PNG whatever the name says: QIcon reads the content.
        if (!image.save(QString::fromLocal8Bit(argv[4]), "PNG")) {
            std::fprintf(stderr, "cannot write %s\n", argv[4]);
            return 1;
        }
        return 0;
    }
    if (argc != 3) {
        std::fprintf(stderr, "usage: repodeck_render_icons APP.svg OUTDIR\n");
        return 2;
    }
    QSvgRenderer svg(QString::fromLocal8Bit(argv[1]));
    if (!svg.isValid()) {
        std::fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    const QString out = QString::fromLocal8Bit(argv[2]);
    for (int size : {16, 22, 24, 32, 48, 64, 128, 256, 512}) {
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter);
        painter.end();
        if (!image.save(QStringLiteral("%1/repodeck-%2.png").arg(out).arg(size))) {
            std::fprintf(stderr, "cannot write %d px icon\n", size);
            return 1;
        }
    }
    QImage ico(256, 256, QImage::Format_ARGB32_Premultiplied);
    ico.fill(Qt::transparent);
    QPainter painter(&ico);
    svg.render(&painter);
    painter.end();
    QImageWriter writer(QStringLiteral("%1/repodeck.ico").arg(out), "ico");
    if (!writer.write(ico))
        std::fprintf(stderr, "note: no ICO writer here (%s); Windows builds make it there\n",
                     qPrintable(writer.errorString()));
    return 0;
}
