using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace Workflow.Aws.Lambda;

/// <summary>
/// Signs a request with AWS Signature Version 4. The string to sign, the key derivation and the
/// HMAC are AWSSDK.Core's (<see cref="AWS4Signer.ComputeSignature(string, string, string, DateTime, string, string, string)"/>);
/// the canonical request is built here because the SDK's own request signing needs the
/// configuration object only its generated service clients can make. It follows AWS's published
/// rules for every service but S3: the path as sent is percent-encoded once more, the query is sorted
/// by name then value, header names are lowercased and values trimmed with inner spaces collapsed.
/// AWS's test suite vectors are pinned in the tests through <see cref="Sign"/>.
/// </summary>
internal static class SigV4Signer
{
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// The Authorization header of a request. <paramref name="path"/> is the path as it goes on the
    /// wire (its labels already percent-encoded); <paramref name="query"/> holds the parameters
    /// unencoded; <paramref name="headers"/> are every header to sign, host and x-amz-date included.
    /// </summary>
    public static SignedRequest Sign(
        string method, string path, IEnumerable<KeyValuePair<string, string>> query, IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash, string accessKey, string secretKey, string region, string service, DateTime signedAt)
    {
        var sorted = headers
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(";", sorted.Select(g => g.Key));
        var canonical = new StringBuilder()
            .Append(method.ToUpperInvariant()).Append('\n')
            .Append(Encode(path.Length == 0 ? "/" : path, keepSlash: true)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var header in sorted)
        {
            canonical.Append(header.Key).Append(':').Append(string.Join(",", header.Select(h => Trim(h.Value)))).Append('\n');
        }
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var result = AWS4Signer.ComputeSignature(accessKey, secretKey, region, signedAt, service, signedHeaders, canonical.ToString());
        return new SignedRequest(canonical.ToString(), result.Signature, result.ForAuthorizationHeader);
    }

    /// <summary>The x-amz-date form of a time: 20150830T123600Z.</summary>
    public static string AmzDate(DateTime time) => time.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string Sha256Hex(byte[] data)
    {
        using var sha = SHA256.Create();
        return Hex(sha.ComputeHash(data));
    }

    /// <summary>The query as it goes on the wire and in the canonical request: encoded, sorted by name then value.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join("&", query
            .Select(p => (Name: Encode(p.Key, false), Value: Encode(p.Value, false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value));

    /// <summary>RFC 3986 percent-encoding of every UTF-8 byte but the unreserved characters (and '/', when kept).</summary>
    public static string Encode(string text, bool keepSlash)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (c is >= 'A' and <= 'Z' or >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static string Trim(string value) => string.Join(" ", value.Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries));

    private static string Hex(byte[] bytes)
    {
        var builder = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes) builder.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        return builder.ToString();
    }
}

/// <summary>A signed request: its canonical request, signature and Authorization header value.</summary>
internal sealed record SignedRequest(string CanonicalRequest, string Signature, string Authorization);
