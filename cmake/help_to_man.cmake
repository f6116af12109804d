# Writes a man page for ampd from its own `--help` and `--version` (cmake -P, at build time):
#   cmake -DAMPD=<path to ampd> -DOUT=<ampd.1> -P help_to_man.cmake
# The page is the help text verbatim (no-fill), under the usual NAME/SYNOPSIS/DESCRIPTION
# sections, so it never drifts from the binary.
execute_process(COMMAND "${AMPD}" --help OUTPUT_VARIABLE help RESULT_VARIABLE rc_help)
execute_process(COMMAND "${AMPD}" --version OUTPUT_VARIABLE version RESULT_VARIABLE rc_version)
if(NOT rc_help EQUAL 0 OR NOT rc_version EQUAL 0)
  message(FATAL_ERROR "${AMPD} --help / --version failed (${rc_help}, ${rc_version})")
endif()
string(STRIP "${version}" version)
# troff: a leading '.' or "'" starts a request, and '\' is the escape character.
string(REPLACE "\\" "\\e" help "${help}")
string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" number "${version}")
file(WRITE "${OUT}" ".TH AMPD 1 \"\" \"${version}\" \"User Commands\"
.SH NAME
ampd \\- daemon host for Amp local development (zero-config PostgreSQL, admin and query APIs)
.SH SYNOPSIS
.B ampd solo
[\\fB\\-\\-amp\\-dir\\fR \\fIPATH\\fR] [\\fB\\-\\-config\\fR \\fIFILE\\fR]
.br
.B ampd
\\fB\\-\\-config\\fR \\fIFILE\\fR
.SH DESCRIPTION
.nf
${help}.fi
.SH FILES
.TP
.I <cwd>/.amp
the amp dir: config.toml, the PostgreSQL cluster (metadb/), data/, providers/, manifests/
.TP
.I /usr/lib/ampd/plugins
the bundled plugins
.SH SEE ALSO
/usr/share/doc/ampd/README.md, /usr/share/doc/ampd/configuration.md
")
