using System;
using System.Linq;
using System.Net.Http;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.S3;
using Amazon.SQS;
using Workflow.Model;

namespace Workflow.Aws;

/// <summary>
/// Where and as whom to call AWS, resolved as AWS.Tools does: -Region, -ProfileName, -EndpointUrl,
/// else AWS_ENDPOINT_URL(_S3/_SQS) and the SDK's default credential chain.
/// </summary>
public sealed class AwsConnection
{
    public const string Prefix = "aws:";

    private AwsConnection(string region, string? profileName, string? endpointUrl, AWSCredentials credentials)
    {
        Region = region;
        ProfileName = profileName;
        EndpointUrl = endpointUrl;
        Credentials = credentials;
    }

    /// <summary>The AWS region name (us-east-1), without the aws: prefix.</summary>
    public string Region { get; }
    public string? ProfileName { get; }
    public string? EndpointUrl { get; }
    public AWSCredentials Credentials { get; }

    /// <summary>Where Lambda is called when it is not AWS's own endpoint: AWS_ENDPOINT_URL_LAMBDA, else -EndpointUrl / AWS_ENDPOINT_URL; null for AWS's.</summary>
    public string? LambdaEndpoint =>
        Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_LAMBDA") is { Length: > 0 } lambda ? lambda : EndpointUrl;

    /// <summary>The region as workflow.yml and the cmdlets write it: aws:us-east-1.</summary>
    public string QualifiedRegion => Prefix + Region;

    /// <summary>Is this a region of the AWS provider (aws:…)?</summary>
    public static bool IsAws(string region) => region.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Resolves region, profile, endpoint and credentials; a clear error for each that cannot be.</summary>
    public static AwsConnection Resolve(string region, string? profileName = null, string? endpointUrl = null)
    {
        var name = CheckRegion(region);
        endpointUrl ??= Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (endpointUrl != null && !Uri.TryCreate(endpointUrl, UriKind.Absolute, out _))
        {
            throw new WorkflowException(WorkflowErrors.AwsEndpointInvalid,
                $"Endpoint '{endpointUrl}' is not an absolute URL. Give one like http://127.0.0.1:4566.", endpointUrl);
        }
        return new AwsConnection(name, profileName, endpointUrl, ResolveCredentials(profileName));
    }

    /// <summary>The region's AWS name; AwsRegionUnknown unless it is one.</summary>
    public static string CheckRegion(string region)
    {
        var name = IsAws(region) ? region.Substring(Prefix.Length) : region;
        if (!RegionEndpoint.EnumerableAllRegions.Any(r => string.Equals(r.SystemName, name, StringComparison.Ordinal)))
        {
            var known = string.Join(", ", RegionEndpoint.EnumerableAllRegions.Select(r => Prefix + r.SystemName).Where(r => r.Contains("-1")).Take(8));
            throw new WorkflowException(WorkflowErrors.AwsRegionUnknown,
                $"'{region}' is not an AWS region. Write it as aws:<region>, for example {known}.", region);
        }
        return name;
    }

    private static AWSCredentials ResolveCredentials(string? profileName)
    {
        if (profileName != null)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profileName, out var credentials))
            {
                return credentials;
            }
            throw new WorkflowException(WorkflowErrors.AwsProfileNotFound,
                $"AWS profile '{profileName}' was not found in the shared credentials or config file. Create it with 'aws configure --profile {profileName}' or Set-AWSCredential, or leave out -ProfileName.", profileName);
        }
        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }
        catch (AmazonClientException e)
        {
            throw new WorkflowException(WorkflowErrors.AwsCredentialsMissing,
                "No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give -ProfileName, or run where an instance or container role applies. (" + e.Message + ")", null, e);
        }
    }

    public AmazonS3Client S3()
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(Region),
            MaxErrorRetry = 2,
            // Run state objects are small and written once: a CRC per request costs CPU and buys
            // little; S3 still gets the checksums its APIs require.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3") is { Length: > 0 } s3 && EndpointUrl == null ? s3 : EndpointUrl;
        if (endpoint != null)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true; // emulators and private endpoints have no per-bucket host names
            config.AuthenticationRegion = Region;
        }
        return new AmazonS3Client(Credentials, config);
    }

    public AmazonSQSClient Sqs()
    {
        var config = new AmazonSQSConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(Region), MaxErrorRetry = 2 };
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_SQS") is { Length: > 0 } sqs && EndpointUrl == null ? sqs : EndpointUrl;
        if (endpoint != null)
        {
            config.ServiceURL = endpoint;
            config.AuthenticationRegion = Region;
        }
        return new AmazonSQSClient(Credentials, config);
    }

    /// <summary>Turns a failed call into an error that names the service, the thing and the fix.</summary>
    public WorkflowException Explain(Exception e, string what)
    {
        var endpoint = EndpointUrl ?? $"AWS's endpoint for {Region}";
        return e switch
        {
            WorkflowException w => w,
            HttpRequestException or System.Net.Sockets.SocketException or TimeoutException =>
                new WorkflowException(WorkflowErrors.AwsEndpointUnreachable,
                    $"Cannot reach {endpoint} to {what}: {Innermost(e).Message.TrimEnd('.')}. Check -EndpointUrl or AWS_ENDPOINT_URL and the network.", EndpointUrl, e),
            AmazonServiceException { StatusCode: System.Net.HttpStatusCode.Forbidden } s =>
                new WorkflowException(WorkflowErrors.AwsAccessDenied,
                    $"AWS refused to {what} ({s.ErrorCode}): {s.Message} Check the credentials' permissions.", null, e),
            AmazonServiceException s =>
                new WorkflowException(WorkflowErrors.AwsCallFailed, $"AWS could not {what} ({s.ErrorCode}): {s.Message}", null, e),
            AmazonClientException when Innermost(e) is HttpRequestException or System.Net.Sockets.SocketException =>
                new WorkflowException(WorkflowErrors.AwsEndpointUnreachable,
                    $"Cannot reach {endpoint} to {what}: {Innermost(e).Message.TrimEnd('.')}. Check -EndpointUrl or AWS_ENDPOINT_URL and the network.", EndpointUrl, e),
            _ => new WorkflowException(WorkflowErrors.AwsCallFailed, $"Could not {what}: {e.Message}", null, e),
        };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}
