-- Prosody 0.12 configuration for converse-py tests and the local demo.
-- TEST USE ONLY: plain-text auth allowed, open registration, no TLS.
--
-- Started by tools/prosody.py as:  prosody -F --config tools/prosody.cfg.lua
-- Everything it writes lives in the folder named by env PROSODY_TEST_DIR;
-- it listens on loopback only, on env PROSODY_C2S_PORT and PROSODY_HTTP_PORT.
-- (Prosody exposes every environment variable X to this file as ENV_X.)

local dir = ENV_PROSODY_TEST_DIR or "/tmp/converse-py-prosody"
local c2s_port = tonumber(ENV_PROSODY_C2S_PORT or "25222")
local http_port = tonumber(ENV_PROSODY_HTTP_PORT or "25280")

-- CI runs as root; this also keeps prosodyctl from switching users.
run_as_root = true

data_path = dir .. "/data"
pidfile = dir .. "/prosody.pid"
certificates = dir .. "/certs"   -- stays empty: no TLS here
log = {
	{ levels = { min = ENV_PROSODY_LOGLEVEL or "info" }, to = "file", filename = dir .. "/prosody.log" };
	{ levels = { min = "error" }, to = "file", filename = dir .. "/prosody.err" };
}

-- Network: loopback only, no federation, no default ports.
interfaces = { "127.0.0.1", "::1" }
c2s_interfaces = { "127.0.0.1", "::1" }
c2s_ports = { c2s_port }
c2s_direct_tls_ports = { }
s2s_ports = { }
s2s_direct_tls_ports = { }
component_ports = { }
http_interfaces = { "127.0.0.1", "::1" }
http_ports = { http_port }
https_ports = { }
http_default_host = "localhost"

admins = { }

modules_enabled = {
	-- core IM
	"roster"; "saslauth"; "disco"; "ping"; "register";
	-- client features
	"carbons"; "smacks"; "mam"; "pep"; "private";
	"vcard_legacy"; "vcard4"; "blocklist"; "bookmarks"; "csi_simple";
	"version"; "time"; "uptime";
	-- web transports
	"bosh";       -- /http-bind
	"websocket";  -- /xmpp-websocket
}
modules_disabled = { "s2s"; "s2s_auth_certs" }

-- Authentication (test-only settings).
authentication = "internal_hashed"
c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
consider_bosh_secure = true
consider_websocket_secure = true

-- Storage: flat files under data_path.
storage = "internal"
storage_archive_item_limit = 100000

-- Message archive (XEP-0313).
default_archive_policy = true
archive_expires_after = "never"
max_archive_query_results = 250
mam_include_total = true

-- Web clients on other localhost ports need CORS (file_share: the HTTP upload below; an
-- override replaces the module's own CORS settings, so the PUT's Authorization header is named).
http_cors_override = {
	bosh = { enabled = true; origins = { "*" } };
	websocket = { enabled = true; origins = { "*" } };
	file_share = { enabled = true; origins = { "*" }; headers = { Authorization = true } };
}
bosh_max_inactivity = 60
bosh_max_wait = 120
bosh_max_polling = 1
-- 4 MiB: messages up to the client's 2 MiB cap reach the page, bigger ones too (reported by
-- the client as "a message too large to show"); see converse_py/xmpp/stanza.py MAX_STANZA_CHARS.
c2s_stanza_size_limit = 4 * 1024 * 1024

VirtualHost "localhost"

-- muc_moderation: XEP-0425 (urn:xmpp:message-moderate:0), from Debian's prosody-modules
-- (scripts/setup installs it; Prosody 0.12 has no moderation of its own).
Component "conference.localhost" "muc"
	modules_enabled = { "muc_mam", "muc_moderation" }
	restrict_room_creation = false
	muc_room_locking = false
	muc_room_default_persistent = true
	muc_room_default_public = true
	muc_log_by_default = true
	muc_log_all_rooms = true
	muc_log_expires_after = "never"
	max_history_messages = 50

-- XEP-0363 HTTP File Upload (Prosody's built-in mod_http_file_share). Its URLs are on the
-- same loopback HTTP port as BOSH (http_host: served as localhost, not upload.localhost), under
-- /file_share/; files are kept in data_path. The limit is announced in disco#info
-- (max-file-size) and checked by clients before they upload. See docs/troubleshooting.md.
Component "upload.localhost" "http_file_share"
	http_host = "localhost"
	http_file_share_size_limit = 20 * 1024 * 1024  -- 20 MiB
	http_file_share_daily_quota = 1024 * 1024 * 1024  -- tests and the bench upload many files
	http_file_share_expires_after = 24 * 3600
