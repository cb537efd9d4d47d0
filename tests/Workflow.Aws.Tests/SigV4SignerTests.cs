using System;
using System.Collections.Generic;
using System.Text;
using Workflow.Aws.Lambda;

namespace Workflow.Aws.Tests;

/// <summary>
/// AWS's Signature Version 4 test suite (aws-sig-v4-test-suite: AKIDEXAMPLE, 20150830T123600Z,
/// us-east-1, service 'service'), through the signer the Lambda client signs every request with.
/// The expected signatures are the suite's, as several independent SigV4 implementations pin them.
/// </summary>
public sealed class SigV4SignerTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);

    private static SignedRequest Sign(string method, string path, string body = "",
        IEnumerable<KeyValuePair<string, string>>? query = null, IEnumerable<KeyValuePair<string, string>>? extraHeaders = null)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "example.amazonaws.com"),
            new("X-Amz-Date", SigV4Signer.AmzDate(SignedAt)),
        };
        headers.AddRange(extraHeaders ?? Array.Empty<KeyValuePair<string, string>>());
        return SigV4Signer.Sign(method, path, query ?? Array.Empty<KeyValuePair<string, string>>(), headers,
            SigV4Signer.Sha256Hex(Encoding.UTF8.GetBytes(body)), AccessKey, SecretKey, "us-east-1", "service", SignedAt);
    }

    [Fact]
    public void Get_vanilla_gives_the_suites_canonical_request_signature_and_header()
    {
        var signed = Sign("GET", "/");

        Assert.Equal("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + SigV4Signer.EmptyPayloadHash, signed.CanonicalRequest);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signed.Signature);
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", signed.Authorization);
    }

    [Fact]
    public void Get_vanilla_query_order_key_case_sorts_the_query_by_name()
    {
        var signed = Sign("GET", "/", query: new[] { new KeyValuePair<string, string>("Param2", "value2"), new("Param1", "value1") });

        Assert.Contains("\nParam1=value1&Param2=value2\n", signed.CanonicalRequest);
        Assert.Equal("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", signed.Signature);
    }

    [Fact]
    public void Post_vanilla_query_signs_a_post_with_a_query_string()
    {
        var signed = Sign("POST", "/", query: new[] { new KeyValuePair<string, string>("Param1", "value1") });

        Assert.Equal("28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", signed.Signature);
    }

    [Fact]
    public void Post_x_www_form_urlencoded_signs_the_body_and_its_content_type()
    {
        var signed = Sign("POST", "/", "Param1=value1", extraHeaders: new[] { new KeyValuePair<string, string>("Content-Type", "application/x-www-form-urlencoded") });

        Assert.Equal("POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
            "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", signed.CanonicalRequest);
        Assert.Equal("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", signed.Signature);
    }

    [Fact]
    public void Get_unreserved_leaves_unreserved_path_characters_as_they_are()
    {
        var signed = Sign("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

        Assert.Equal("07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f", signed.Signature);
    }

    [Fact]
    public void Get_header_value_trim_trims_values_and_collapses_inner_spaces()
    {
        var signed = Sign("GET", "/", extraHeaders: new[] { new KeyValuePair<string, string>("My-Header1", " value1"), new("My-Header2", " \"a   b   c\"") });

        Assert.Contains("my-header1:value1\nmy-header2:\"a b c\"\n", signed.CanonicalRequest);
        Assert.Equal("acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", signed.Signature);
    }

    [Fact]
    public void A_function_arn_in_the_path_is_encoded_once_on_the_wire_and_again_in_the_canonical_request()
    {
        // Every service but S3 signs the path percent-encoded once more: %3A becomes %253A.
        var signed = Sign("GET", "/2015-03-31/functions/" + SigV4Signer.Encode("arn:aws:lambda:us-east-1:000000000000:function:f", keepSlash: false));

        Assert.StartsWith("GET\n/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A000000000000%253Afunction%253Af\n", signed.CanonicalRequest);
    }
}
