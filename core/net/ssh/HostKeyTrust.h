#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace repodeck::core {

// One key an SSH server offered.
struct ScannedHostKey
{
    QString type;        // e.g. ssh-ed25519
    QString fingerprint; // "SHA256:..." as OpenSSH prints it
    QByteArray line;     // the known_hosts line to add
};

// What a person needs to decide whether to trust a server: the keys it
// offers now, and whether known_hosts already holds a different key for it
// (then the key *changed*, which can mean an attack).
struct HostKeyScan
{
    QString host; // as ssh looks it up (after ~/.ssh/config HostName)
    int port = 22;
    QString knownHostsFile; // where ssh reads and RepoDeck writes (UserKnownHostsFile)
    bool hasOtherKey = false;
    QList<ScannedHostKey> keys;
    QString error; // why nothing was scanned; empty on success

    QString lookupName() const; // "host" or "[host]:port", as in known_hosts
};

// Runs the user's ssh (GIT_SSH_COMMAND honoured, as for syncing) with -G to
// learn the real host name, port and known_hosts file, then ssh-keyscan.
// Blocking, bounded by timeoutMs; call off the GUI thread.
HostKeyScan scanHostKeys(const QString &remoteUrl, int timeoutMs = 20'000);

// Writes the scanned keys to the known_hosts file, only ever after a person
// confirmed them. A changed key's old entries are removed first with
// `ssh-keygen -R`, which keeps a backup (known_hosts.old). Returns an error
// text, empty on success.
QString trustHostKeys(const HostKeyScan &scan);

// "SHA256:" + unpadded base64 of the SHA-256 of the key blob (OpenSSH's format).
QString sshFingerprint(const QByteArray &base64Blob);

} // namespace repodeck::core
