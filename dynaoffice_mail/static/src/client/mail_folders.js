import { _t } from "@web/core/l10n/translation";

/** The special-use folders (RFC 6154) as users know them from other mail clients. */
export const SPECIAL_FOLDERS = {
    "\\Inbox": { icon: "fa-inbox", label: () => _t("Inbox") },
    "\\Drafts": { icon: "fa-file-o", label: () => _t("Drafts") },
    "\\Sent": { icon: "fa-paper-plane", label: () => _t("Sent") },
    "\\Trash": { icon: "fa-trash", label: () => _t("Trash") },
    "\\Junk": { icon: "fa-ban", label: () => _t("Junk") },
    "\\Archive": { icon: "fa-archive", label: () => _t("Archive") },
};

/** Where snoozed mail waits on the server (services/snoozing.py): one name in every language. */
export const SNOOZED_FOLDER = "Snoozed";

/** What the tree shows for a folder: the standard name of special folders, else its own. */
export function folderLabel(folder) {
    const special = folder.special_use && SPECIAL_FOLDERS[folder.special_use];
    if (special) {
        return special.label();
    }
    if (folder.name === SNOOZED_FOLDER) {
        return _t("Snoozed");
    }
    return folder.path[folder.path.length - 1];
}

/**
 * A folder named with the folders it lies in, each as the tree names it ("Posteingang /
 * Projekte" for INBOX/Projekte), for places that show a folder outside the tree.
 *
 * @param {Object} folder as `client_folders` returns it
 * @param {Object[]} folders listed folders, among them those that hold `folder`
 */
export function folderPathLabel(folder, folders) {
    const byPath = new Map(folders.map((listed) => [pathKey(listed.path), listed]));
    return folder.path
        .map((part, index) => {
            const holder = byPath.get(pathKey(folder.path.slice(0, index + 1)));
            return holder ? folderLabel(holder) : part;
        })
        .join(" / ");
}

export function folderIcon(folder, expanded = false) {
    const special = folder?.special_use && SPECIAL_FOLDERS[folder.special_use];
    if (special) {
        return special.icon;
    }
    if (folder?.name === SNOOZED_FOLDER) {
        return "fa-clock-o";
    }
    return expanded ? "fa-folder-open-o" : "fa-folder-o";
}

/** Folders that list recipients rather than senders. */
export function isOutgoingFolder(folder) {
    return ["\\Sent", "\\Drafts"].includes(folder?.special_use);
}

function pathKey(path) {
    return path.join("\u0000");
}

/**
 * The folder tree as rows for the folder pane, in the server's order (special-use first,
 * each folder followed by its subfolders), built from each folder's `path`.
 *
 * A folder whose parent the server does not list still hangs below a (not selectable)
 * parent row, so the tree never loses a level.
 *
 * @param {Object[]} folders as `client_folders` returns them
 * @param {Set<string>} collapsed names of folders whose subfolders are hidden
 * @returns {Object[]} rows: {key, name, folder (null for a missing parent), label, depth,
 *      hasChildren, expanded}
 */
export function folderRows(folders, collapsed) {
    const nodes = new Map();
    const roots = [];
    const ensure = (path, folder, delimiter) => {
        const key = pathKey(path);
        let node = nodes.get(key);
        if (!node) {
            node = { key, path, name: path.join(delimiter), folder: null, children: [] };
            nodes.set(key, node);
            if (path.length > 1) {
                ensure(path.slice(0, -1), null, delimiter).children.push(node);
            } else {
                roots.push(node);
            }
        }
        if (folder) {
            node.folder = folder;
            node.name = folder.name;
        }
        return node;
    };
    for (const folder of folders) {
        ensure(folder.path, folder, folder.delimiter || "/");
    }
    const rows = [];
    const visit = (node, depth) => {
        const name = node.name;
        const expanded = !collapsed.has(name);
        rows.push({
            key: node.key,
            name,
            folder: node.folder,
            label: node.folder ? folderLabel(node.folder) : node.path[node.path.length - 1],
            depth,
            hasChildren: node.children.length > 0,
            expanded,
        });
        if (expanded) {
            for (const child of node.children) {
                visit(child, depth + 1);
            }
        }
    };
    for (const root of roots) {
        visit(root, 0);
    }
    return rows;
}

/**
 * Rows for "Move to" menus: every folder that can hold mail, indented, except `current`.
 */
export function moveTargets(folders, current) {
    return folderRows(folders, new Set())
        .filter((row) => row.folder && row.folder.selectable && row.name !== current)
        .map((row) => ({
            name: row.name,
            label: row.label,
            depth: row.depth,
            icon: folderIcon(row.folder),
        }));
}

/**
 * The hierarchy delimiter of the account ("/" or "."), from any folder that names one.
 */
export function accountDelimiter(folders) {
    return folders.find((folder) => folder.delimiter)?.delimiter || "/";
}

/**
 * Where new top-level folders go: servers with an "INBOX." namespace (Courier, some
 * Cyrus setups) keep every folder below INBOX.
 */
export function topLevelPrefix(folders) {
    const delimiter = accountDelimiter(folders);
    const others = folders.filter((folder) => folder.name.toUpperCase() !== "INBOX");
    if (others.length && others.every((folder) => folder.path[0].toUpperCase() === "INBOX")) {
        const inbox = folders.find((folder) => folder.name.toUpperCase() === "INBOX");
        return (inbox?.name || "INBOX") + delimiter;
    }
    return "";
}

/** The full name of a folder called `name` below `parent` (null: at the top level). */
export function childFolderName(folders, parent, name) {
    if (!parent) {
        return topLevelPrefix(folders) + name;
    }
    return parent.name + (parent.delimiter || accountDelimiter(folders)) + name;
}

/** The full name `folder` gets when renamed to `name` in place. */
export function renamedFolderName(folder, name) {
    if (folder.path.length < 2 || !folder.delimiter) {
        return name;
    }
    return folder.path.slice(0, -1).join(folder.delimiter) + folder.delimiter + name;
}
