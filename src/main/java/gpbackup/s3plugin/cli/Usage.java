package gpbackup.s3plugin.cli;

import java.util.List;

/** What help says of one command: who runs it, its words after the name, what it does in one line, its options. */
record Usage(String name, Group group, String arguments, String summary, List<Option> options) {

    /** Who runs a command: the heading help lists it under (a hidden command is not listed). */
    enum Group { GPBACKUP, PEOPLE, HIDDEN }

    /** One option of a command and what it does. */
    record Option(String flag, String meaning) { }
}
