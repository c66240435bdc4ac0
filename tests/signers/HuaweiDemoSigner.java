/*
 * An independent auth-v2 signer in the style of Huawei's public Java REST demo
 * (SignInfo, auth-v2): it signs only the "host" header and writes the timestamp to the
 * second. It is written from the contract text (querybasiccallinfo.md section 3) and its
 * vectors, not from the calldata Rust code, so that the e2e suite proves the server
 * against a signer that shares none of its code.
 *
 * Run it as a single-file program (Java 17, no build tool):
 *
 *   java HuaweiDemoSigner.java BASE_URL AK SK PATH BODY    signed POST of BODY
 *   java HuaweiDemoSigner.java --get BASE_URL AK SK PATH   signed GET, no body
 *   java HuaweiDemoSigner.java --vectors FILE              check every vector in FILE
 *
 * A request prints the HTTP status on the first line of stdout and the response body on
 * the second; the response headers go to stderr as "< name: value" lines. The vector
 * check prints one line per case and exits 1 on any mismatch. Usage errors exit 2, a
 * request that gets no response exits 3.
 */

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public class HuaweiDemoSigner {

    private static final String AUTH_VERSION = "auth-v2";
    private static final String CONTENT_TYPE = "application/json;charset=UTF-8";
    private static final String HMAC_SHA256 = "HmacSHA256";

    /** What one signature is computed over, as in the demo's SignInfo. */
    static final class SignInfo {
        String ak;
        String sk;
        String timestamp;
        String method;
        String path;
        /** Decoded query pairs; the demo keeps them in a TreeMap, sorted by key. */
        Map<String, String> query = new TreeMap<>();
        boolean emptyQueryLine;
        /** Signed headers by lower-case name, sorted. */
        TreeMap<String, String> headers = new TreeMap<>();
        byte[] body = new byte[0];

        String signedHeaders() {
            return String.join(";", headers.keySet());
        }

        String authStringPrefix() {
            return AUTH_VERSION + "/" + ak + "/" + timestamp + "/" + signedHeaders();
        }

        String signingKey() throws GeneralSecurityException {
            return hmacSha256Hex(sk, authStringPrefix());
        }

        String canonicalRequest() {
            StringBuilder canonical = new StringBuilder();
            canonical.append(method).append('\n');
            canonical.append(path).append('\n');
            if (!query.isEmpty()) {
                List<String> pairs = new ArrayList<>();
                for (Map.Entry<String, String> pair : query.entrySet()) {
                    pairs.add(normalize(pair.getKey()) + "=" + normalize(pair.getValue()));
                }
                canonical.append(String.join("&", pairs)).append('\n');
            } else if (emptyQueryLine) {
                canonical.append('\n');
            }
            canonical.append(signedHeaders()).append('\n');
            List<String> lines = new ArrayList<>();
            for (Map.Entry<String, String> header : headers.entrySet()) {
                lines.add(header.getKey() + ":" + normalize(header.getValue()));
            }
            lines.sort(null);
            canonical.append(String.join("\n", lines)).append('\n');
            canonical.append(normalize(new String(body, StandardCharsets.UTF_8)));
            return canonical.toString();
        }

        String authorization() throws GeneralSecurityException {
            String signature = hmacSha256Hex(signingKey(), canonicalRequest());
            return authStringPrefix() + "/" + signature;
        }
    }

    /**
     * URL-encodes the UTF-8 bytes, then turns URLEncoder's form encoding into the
     * contract's: a space is %20 (not +), '*' is escaped, '~' is kept. What is left kept
     * is exactly A-Z a-z 0-9 - . _ ~, and every escape uses upper-case hex.
     */
    static String normalize(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8)
                .replace("+", "%20")
                .replace("*", "%2A")
                .replace("%7E", "~");
    }

    static String hmacSha256Hex(String key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(HMAC_SHA256);
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), HMAC_SHA256));
        byte[] digest = mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : digest) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return hex.toString();
    }

    /** The demo's timestamp: UTC, to the second. */
    static String timestamp() {
        SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss'Z'", Locale.ROOT);
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        return format.format(new Date());
    }

    /**
     * The Host header HttpClient writes for this URI: the host alone on the scheme's
     * default port, host:port otherwise. It is signed as sent, and HttpClient does not
     * let a caller set Host itself.
     */
    static String hostHeader(URI uri) {
        int port = uri.getPort();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        if (port == -1 || (https && port == 443) || (!https && port == 80)) {
            return uri.getHost();
        }
        return uri.getHost() + ":" + port;
    }

    static int send(boolean get, String baseUrl, String ak, String sk, String path, String body)
            throws GeneralSecurityException {
        if (path.contains("?")) {
            System.err.println("this demo sends no query string; the family's interfaces take none");
            return 2;
        }
        URI uri = URI.create(baseUrl.replaceAll("/+$", "") + path);
        SignInfo info = new SignInfo();
        info.ak = ak;
        info.sk = sk;
        info.timestamp = timestamp();
        info.method = get ? "GET" : "POST";
        info.path = uri.getRawPath();
        info.headers.put("host", hostHeader(uri));
        info.body = get ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);

        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", info.authorization());
        if (get) {
            request.GET();
        } else {
            request.header("Content-Type", CONTENT_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(info.body));
        }
        // HTTP/1.1 explicitly: the default would offer an h2c upgrade on plain HTTP.
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException | InterruptedException e) {
            System.err.println("no response from " + uri + ": " + e);
            return 3;
        }
        response.headers().map().forEach((name, values) -> {
            for (String value : values) {
                System.err.println("< " + name.toLowerCase(Locale.ROOT) + ": " + value);
            }
        });
        System.out.println(response.statusCode());
        System.out.println(response.body());
        return 0;
    }

    static int checkVectors(Path file) throws IOException, GeneralSecurityException {
        Object root = new Json(Files.readString(file, StandardCharsets.UTF_8)).parse();
        @SuppressWarnings("unchecked")
        List<Object> cases = (List<Object>) ((Map<String, Object>) root).get("cases");
        int failures = 0;
        for (Object entry : cases) {
            @SuppressWarnings("unchecked")
            Map<String, Object> c = (Map<String, Object>) entry;
            SignInfo info = new SignInfo();
            info.ak = (String) c.get("ak");
            info.sk = (String) c.get("sk");
            info.timestamp = (String) c.get("timestamp");
            info.method = (String) c.get("method");
            info.path = (String) c.get("path");
            info.emptyQueryLine = Boolean.TRUE.equals(c.get("emptyQueryLine"));
            @SuppressWarnings("unchecked")
            Map<String, Object> query = (Map<String, Object>) c.get("query");
            query.forEach((k, v) -> info.query.put(k, (String) v));
            @SuppressWarnings("unchecked")
            Map<String, Object> headers = (Map<String, Object>) c.get("headers");
            headers.forEach((k, v) -> info.headers.put(k.toLowerCase(Locale.ROOT), (String) v));
            info.body = ((String) c.get("body")).getBytes(StandardCharsets.UTF_8);

            List<String> wrong = new ArrayList<>();
            if (!info.signingKey().equals(c.get("signingKey"))) {
                wrong.add("signingKey " + info.signingKey());
            }
            if (!info.canonicalRequest().equals(c.get("canonicalRequest"))) {
                wrong.add("canonicalRequest " + info.canonicalRequest().replace("\n", "\\n"));
            }
            if (!info.authorization().equals(c.get("authorization"))) {
                wrong.add("authorization " + info.authorization());
            }
            if (wrong.isEmpty()) {
                System.out.println("ok       " + c.get("name"));
            } else {
                failures++;
                System.out.println("MISMATCH " + c.get("name") + ": " + String.join("; ", wrong));
            }
        }
        System.out.println(cases.size() + " vectors, " + failures + " mismatched");
        return failures == 0 && !cases.isEmpty() ? 0 : 1;
    }

    /** Just enough JSON to read the vector file: objects, arrays, strings, literals, numbers. */
    static final class Json {
        private final String text;
        private int at;

        Json(String text) {
            this.text = text;
        }

        Object parse() {
            Object value = value();
            space();
            if (at != text.length()) {
                throw error("trailing text");
            }
            return value;
        }

        private Object value() {
            space();
            if (at >= text.length()) {
                throw error("unexpected end");
            }
            char c = text.charAt(at);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                default:
                    if (text.startsWith("true", at)) {
                        at += 4;
                        return Boolean.TRUE;
                    }
                    if (text.startsWith("false", at)) {
                        at += 5;
                        return Boolean.FALSE;
                    }
                    if (text.startsWith("null", at)) {
                        at += 4;
                        return null;
                    }
                    int start = at;
                    while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                        at++;
                    }
                    if (start == at) {
                        throw error("unexpected character " + c);
                    }
                    return Double.valueOf(text.substring(start, at));
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> members = new LinkedHashMap<>();
            at++;
            space();
            if (peek('}')) {
                return members;
            }
            while (true) {
                space();
                String name = string();
                space();
                expect(':');
                members.put(name, value());
                space();
                if (peek('}')) {
                    return members;
                }
                expect(',');
            }
        }

        private List<Object> array() {
            List<Object> items = new ArrayList<>();
            at++;
            space();
            if (peek(']')) {
                return items;
            }
            while (true) {
                items.add(value());
                space();
                if (peek(']')) {
                    return items;
                }
                expect(',');
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    // A surrogate pair arrives as two escapes; appending both chars joins it.
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        private void space() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected " + c);
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("vector file: " + what + " at offset " + at);
        }
    }

    private static int usage() {
        System.err.println("usage: java HuaweiDemoSigner.java BASE_URL AK SK PATH BODY");
        System.err.println("       java HuaweiDemoSigner.java --get BASE_URL AK SK PATH");
        System.err.println("       java HuaweiDemoSigner.java --vectors FILE");
        return 2;
    }

    public static void main(String[] args) throws Exception {
        int code;
        if (args.length == 2 && args[0].equals("--vectors")) {
            code = checkVectors(Path.of(args[1]));
        } else if (args.length == 5 && args[0].equals("--get")) {
            code = send(true, args[1], args[2], args[3], args[4], "");
        } else if (args.length == 5 && !args[0].startsWith("--")) {
            code = send(false, args[0], args[1], args[2], args[3], args[4]);
        } else {
            code = usage();
        }
        System.exit(code);
    }
}
