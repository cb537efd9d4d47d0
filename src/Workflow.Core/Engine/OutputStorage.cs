using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Workflow.Blobs;
using Workflow.Model;

namespace Workflow.Engine;

/// <summary>
/// Outputs over the inline limit (256 KB by default, as SNS and Step Functions) live in the blob
/// store; the run store keeps a reference <c>{"$blob": key, "bytes": n}</c>. Steps never see it.
/// </summary>
internal sealed class OutputStorage
{
    private const string Marker = "{\"$blob\":";
    private readonly IBlobStore blobs;
    private readonly int inlineLimit;

    public OutputStorage(IBlobStore blobs, int inlineLimit)
    {
        this.blobs = blobs;
        this.inlineLimit = inlineLimit;
    }

    public Task<string> ToStoredAsync(string runId, string step, int? item, string json) =>
        ToStoredAsync($"runs/{runId}/outputs/{step}" + (item is { } i ? $"/{i}" : "") + ".json", json);

    /// <summary>The JSON itself when small enough, else a reference to the blob it was written to under <paramref name="key"/>.</summary>
    public async Task<string> ToStoredAsync(string key, string json)
    {
        var bytes = Encoding.UTF8.GetByteCount(json);
        if (bytes <= inlineLimit)
        {
            return json;
        }
        await blobs.PutAsync(key, Encoding.UTF8.GetBytes(json)).ConfigureAwait(false);
        return JsonSerializer.Serialize(new BlobReference(key, bytes));
    }

    public async Task<string> ResolveAsync(string stored)
    {
        if (!stored.StartsWith(Marker, System.StringComparison.Ordinal))
        {
            return stored;
        }
        var reference = JsonSerializer.Deserialize<BlobReference>(stored)!;
        var content = await blobs.GetAsync(reference.Key).ConfigureAwait(false)
            ?? throw new WorkflowException(WorkflowErrors.WorkflowOutputMissing,
                $"The output blob '{reference.Key}' is missing from the blob store. It was removed outside the module; run the workflow again.");
        return Encoding.UTF8.GetString(content);
    }

    private sealed record BlobReference(
        [property: System.Text.Json.Serialization.JsonPropertyName("$blob")] string Key,
        [property: System.Text.Json.Serialization.JsonPropertyName("bytes")] int Bytes);
}
