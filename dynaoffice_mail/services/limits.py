"""Every hard limit of the services, in one table.

A mailbox is written by strangers: a message, a header, a server's answer can be as large
or as deep as whoever made it liked. Each limit below says how much the services take at
most, and why that much; what goes beyond it is cut, refused, or reported as
LimitExceededError, as the module that reads the limit says. Modules name them as
`limits.MAX_UIDS`, never by a copy of their own, so that one place holds them all.
"""

# -- the IMAP wire ---------------------------------------------------------------------------

# One response line: room for a million UIDs of up to 8 digits and their separators.
MAX_LINE = 10 * 1024 * 1024
# What a browser may name for a UID: a positive 32-bit number (RFC 3501 nz-number).
MAX_UID = 2**32 - 1
# Messages one flag change, move or delete may name at once; "Mark folder as read" stores
# its flag in batches of this many. Dovecot refuses a command line over 64 kB ("Too long
# argument"), and UIDs that are not next to each other (read and unread mail alternating)
# are written one by one: 5,000 of 10 digits and a comma each are 55 kB.
MAX_UIDS = 5_000
# A Message-ID looked up on the server: a header line's most (RFC 5322). The longest anyone
# writes are well under 100 characters; a SEARCH line stays far below Dovecot's 64 kB.
MAX_MESSAGE_ID_LENGTH = 998

# -- the message list and searches ------------------------------------------------------------

MAX_PAGE_SIZE = 500
# Only the plain SORT/SEARCH fallbacks return every match; beyond this a folder is too big
# for a server without ESORT/ESEARCH, and we say so rather than eat the worker's memory.
MAX_FALLBACK_RESULTS = 1_000_000
# "Select all in this folder": the UIDs of the matching messages go to the browser (a few
# bytes each) and come back in batches for the action. Beyond this the search is narrowed.
MAX_SELECTION = 100_000
# Longer search terms are no search a person types; Dovecot refuses command lines over 64 kB.
MAX_SEARCH_LENGTH = 1000
# A subject sort reads every matching message's subject (services.messages); beyond this
# many matches the server sorts instead, by its own base subject (which knows only "Re:"
# and "Fwd:"). Reading 10,000 subjects takes about half a second, cached afterwards.
MAX_SUBJECT_SORT = 100_000
# Subject orders kept per worker (a folder and search each; an order of 100,000 messages
# takes 400 kB).
MAX_CACHED_SUBJECT_ORDERS = 64
# The subjects those orders are made of, kept per worker so that new mail reads only its
# own (about 200 bytes a message and its subject's text): a folder of more is read whole.
MAX_SUBJECT_KEY_BYTES = 32 * 1024 * 1024
# Subjects read in one FETCH while sorting: a UID set of this many stays far below
# Dovecot's 64 kB command line, and the answer is read in pieces.
SUBJECT_FETCH_BATCH = 5_000
# The preview line under a subject: this many characters at most. Its fallback (a server
# without PREVIEW) reads at most this many bytes of the first text part, more of HTML,
# whose head and styles come first; and keeps this many previews per worker.
PREVIEW_CHARS = 200
PREVIEW_TEXT_BYTES = 2048
PREVIEW_HTML_BYTES = 4096
MAX_CACHED_PREVIEWS = 50_000
# The list's rows kept per worker (services.messages: validated by the folder's
# HIGHESTMODSEQ), at most this many and this many bytes as estimated (a row of a typical mail
# is about 1.5 kB with its preview; one to hundreds of recipients weigh more): 20 MB.
MAX_CACHED_SUMMARIES = 20_000
# The changed messages a connection keeps from its NOOPs, as long as nothing else told it of
# a change in between (services.imap.SyncChanges): rows read since are brought up to date
# from it without asking the server.
MAX_SYNC_CHANGES = 5_000
# The VANISHED answers a connection keeps of its selected folder (services.imap): a cached
# page that lost more of its messages than its margin after holds is read again at once.
MAX_KEPT_EXPUNGES = 100
MAX_CACHED_SUMMARY_BYTES = 20 * 1024 * 1024
# Pages' UIDs kept per worker, for one folder state, sort and search each (50 UIDs a page).
MAX_CACHED_PAGES = 1_000
# A page of the list by date or size without a search also names this many messages before
# it (but the first page) and after it: new mail sorted before the page then shifts it, and
# the messages after it fill it for those expunged, without sorting again (see
# services.messages._merged_page), until more than that came or went.
PAGE_MARGIN = 10
# Messages whose list data one look-up for assigning reads at once.
MAX_SUMMARIES = 1_000
# Addresses one search for the mail exchanged with a contact names at once.
MAX_CORRESPONDENTS = 20
# A folder's answer to that search is cut here, before any FETCH: a look-up, not a list.
MAX_CORRESPONDENCE_MATCHES = 100_000

# -- reading a message ------------------------------------------------------------------------

# The body text a reader shows (all its text parts together, encoded).
MAX_BODY_BYTES = 2_000_000
# Headers beyond this are spam or an attack; what fits still gives sender and subject.
MAX_HEADER_BYTES = 262_144
# The start of the source shown in place of a message whose structure cannot be read.
RAW_SOURCE_BYTES = 204_800
# References kept of a message read (the thread's most recent ones).
MAX_READ_REFERENCES = 500
# A part or source streamed to the browser comes in chunks of CHUNK_SIZE; a caller may ask
# for other sizes up to MAX_CHUNK_SIZE.
CHUNK_SIZE = 1_048_576
MAX_CHUNK_SIZE = 16 * 1_048_576
# A quoted-printable line longer than this is kept no longer for the next chunk: the
# standard allows 76 characters, and a line without end must not fill the memory.
MAX_QP_CARRY = 65_536
# BODYSTRUCTURE: how deep multiparts may nest, and how many parts a message may have.
MAX_DEPTH = 20
MAX_PARTS = 500
# What the files of one message carried into Odoo (filed to a record, attached to the
# chatter) or into a forward may add up to; the rest is left out and named.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024

# -- file names --------------------------------------------------------------------------------

# A file name offered for download or stored in Odoo (names.safe_filename); every file
# system takes 255 bytes, and a name this long is still one a person can read.
MAX_FILENAME_CHARS = 120
# ... and in UTF-8 at most this long: 120 characters of Japanese or emoji are up to 480
# bytes. Below 255, so that the suffix a place gives a taken name ("(12)") still fits.
MAX_FILENAME_BYTES = 240
# A file name of an attachment that goes out in a message; longer no disk takes.
MAX_FILENAME_LENGTH = 255

# -- writing a message -------------------------------------------------------------------------

# RFC 5321's limit for a path, so for any address that is to be sent to.
MAX_ADDRESS_LENGTH = 254
# More recipients than this is a mailing list's job; most servers refuse it too (Postfix
# takes 1000 RCPT per message), and a reply to all of a hostile message must not reach
# everyone in a To header of thousands.
MAX_RECIPIENTS = 1000
# The email package folds a long non-ASCII display name in quadratic time (5,000 "ü" take
# seconds); no person's name is this long.
MAX_NAME_LENGTH = 200
# References keeps the thread's first message and the most recent ones (RFC 5322 3.6.4
# allows trimming); a thread of hundreds would otherwise grow the header without end.
MAX_SENT_REFERENCES = 30
# Header fields of one name a draft is read with the email package's header classes;
# beyond them a faster parser (those classes take about a millisecond an address).
MAX_PARSED_HEADER_FIELDS = 100
# A draft's header blocks beyond this are not read for attachments to leave in the file.
MAX_HEADER_BLOCK = 256 * 1024
MAX_HEADER_LINE = 64 * 1024
# A message up to this size stays in memory while it is written; a larger one goes to a
# file on disk. It is read back in chunks of SPOOL_CHUNK_SIZE.
SPOOL_MEMORY = 1024 * 1024
SPOOL_CHUNK_SIZE = 1024 * 1024

# -- sending -------------------------------------------------------------------------------

# How long the sendmail program may take to take a message, and how much of what it
# writes to stderr is kept for the log.
SENDMAIL_TIMEOUT = 60.0
MAX_SENDMAIL_STDERR = 2000

# -- calendar invitations ------------------------------------------------------------------

# A text/calendar part read for the invitation card: invitations are a few kilobytes (with
# Outlook's time zones); a larger one is no invitation shown, and costs no parsing.
MAX_CALENDAR_BYTES = 256 * 1024
# Texts of an event as the card shows them and the reply repeats them.
MAX_EVENT_TEXT = 500
MAX_EVENT_DESCRIPTION = 4000

# Conversations (services/threads.py): folder structures and message links kept per
# process, the rows read per conversation on a page (its newest: a page of 50 reads at most
# 1,000 rows, where a mailing list's thread may have thousands), and how far a page looks
# into the related folder (Sent for the Inbox): Message-IDs searched for, messages taken.
MAX_CACHED_THREAD_STRUCTURES = 64
MAX_CACHED_THREAD_LINKS = 50_000
MAX_CONVERSATION_ROWS = 20
MAX_RELATED_KEYS = 100
MAX_RELATED_MESSAGES = 200
# New mail placed into a folder's last structure without a THREAD of the whole folder: at
# most this many new messages at once, matched against the newest conversations' messages.
MAX_PLACED_MESSAGES = 100
# Rows of a page read at an older folder state are read again in full with its new rows up
# to this many (one FETCH); more are asked for their changed flags (a second, small one).
STALE_ROWS_READ_AGAIN = 50
PLACING_CONVERSATIONS = 100
# What new mail is checked against in place of a search of the whole folder: each folder's
# link index (a 64-bit hash per Message-ID a message holds, one per Message-ID named, every
# subject as folded text: about 50 bytes a message, 5 MB for 100,000), at most this many
# folders and bytes per process. A larger one is not kept (the folder is searched as
# before). With the server's THREAD it is read in slices of this many messages, one with
# each new mail placed, so that no page pays the whole read (a slice adds about 0.2 s to
# its page; 100,000 messages take 20 new mails).
MAX_CACHED_LINK_INDEXES = 16
MAX_LINK_INDEX_BYTES = 64 * 1024 * 1024
LINK_INDEX_SLICE = 5_000
