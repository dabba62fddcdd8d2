#include "cli/CliArgs.h"

#include "workspace/Shard.h"

namespace repodeck::core::cli {

bool CliArgs::shard(int *index, int *count, QString *error) const
{
    *index = 0;
    *count = 1;
    if (!values.contains(QStringLiteral("shard")))
        return true;
    return parseShard(value(QStringLiteral("shard")), index, count, error);
}

CliArgs CliArgs::parse(const QStringList &args, const QStringList &valueOptions,
                       const QStringList &flagOptions)
{
    CliArgs out;
    bool onlyPositional = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString &a = args.at(i);
        if (onlyPositional || !a.startsWith(QLatin1String("--")) || a == QLatin1String("--")) {
            if (a == QLatin1String("--") && !onlyPositional)
                onlyPositional = true;
            else
                out.positional << a;
            continue;
        }
        QString name = a.mid(2);
        QString value;
        const qsizetype eq = name.indexOf(QLatin1Char('='));
        const bool inlineValue = eq >= 0;
        if (inlineValue) {
            value = name.mid(eq + 1);
            name = name.left(eq);
        }
        if (valueOptions.contains(name)) {
            if (!inlineValue) {
                if (i + 1 >= args.size()) {
                    out.error = QStringLiteral("--%1 needs a value").arg(name);
                    return out;
                }
                value = args.at(++i);
            }
            out.values.insert(name, value);
        } else if (flagOptions.contains(name) && !inlineValue) {
            out.flags << name;
        } else {
            out.error = QStringLiteral("unknown option --%1").arg(name);
            return out;
        }
    }
    return out;
}

} // namespace repodeck::core::cli
