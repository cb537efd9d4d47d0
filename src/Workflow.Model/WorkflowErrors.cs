using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Workflow.Model;

/// <summary>
/// One error the module raises: the stable id users match on (FullyQualifiedErrorId, a diagnostic's
/// ErrorId) and the kind that becomes its ErrorCategory. Made only in <see cref="WorkflowErrors"/>.
/// </summary>
public sealed class ErrorId
{
    private ErrorId(string id, FailureKind kind)
    {
        Id = id;
        Kind = kind;
    }

    public string Id { get; }
    public FailureKind Kind { get; }

    public override string ToString() => Id;

    internal static ErrorId Of(string id, FailureKind kind) => new(id, kind);
}

/// <summary>
/// Every error id the module raises, each with its kind and when it is raised. The ids are public:
/// scripts match on them, so an entry is never renamed; each entry is named as its id.
/// </summary>
public static class WorkflowErrors
{
    // The workflow store and its home folder.

    /// <summary>The store stayed locked by another session past the busy timeout.</summary>
    public static readonly ErrorId WorkflowStoreBusy = ErrorId.Of("WorkflowStoreBusy", FailureKind.OperationTimeout);
    /// <summary>The store cannot grow: the disk is full.</summary>
    public static readonly ErrorId WorkflowStoreFull = ErrorId.Of("WorkflowStoreFull", FailureKind.WriteError);
    /// <summary>The store file is not a SQLite database or is damaged.</summary>
    public static readonly ErrorId WorkflowStoreCorrupt = ErrorId.Of("WorkflowStoreCorrupt", FailureKind.InvalidData);
    /// <summary>The store, or the folder it goes in, cannot be opened or created for writing.</summary>
    public static readonly ErrorId WorkflowStoreReadOnly = ErrorId.Of("WorkflowStoreReadOnly", FailureKind.PermissionDenied);
    /// <summary>The store was made by a newer version of the module.</summary>
    public static readonly ErrorId WorkflowStoreTooNew = ErrorId.Of("WorkflowStoreTooNew", FailureKind.InvalidData);
    /// <summary>$env:WORKFLOW_HOME names a file, not a folder.</summary>
    public static readonly ErrorId WorkflowHomeNotAFolder = ErrorId.Of("WorkflowHomeNotAFolder", FailureKind.InvalidArgument);
    /// <summary>The session's engine was closed while a command still used it.</summary>
    public static readonly ErrorId WorkflowEngineClosed = ErrorId.Of("WorkflowEngineClosed", FailureKind.OperationStopped);
    /// <summary>A command ran while the PowerShell session was ending.</summary>
    public static readonly ErrorId WorkflowSessionEnded = ErrorId.Of("WorkflowSessionEnded", FailureKind.InvalidOperation);

    // Published workflows.

    /// <summary>No published workflow has the id given.</summary>
    public static readonly ErrorId WorkflowNotFound = ErrorId.Of("WorkflowNotFound", FailureKind.ObjectNotFound);
    /// <summary>A workflow of the same name and version is published with different content.</summary>
    public static readonly ErrorId WorkflowVersionConflict = ErrorId.Of("WorkflowVersionConflict", FailureKind.ResourceExists);
    /// <summary>Remove-Workflow on a workflow that still has runs that have not ended.</summary>
    public static readonly ErrorId WorkflowHasUnfinishedRuns = ErrorId.Of("WorkflowHasUnfinishedRuns", FailureKind.InvalidOperation);
    /// <summary>A run's published package is missing from the package cache or the bucket.</summary>
    public static readonly ErrorId WorkflowPackageMissing = ErrorId.Of("WorkflowPackageMissing", FailureKind.ObjectNotFound);
    /// <summary>New-Workflow into a folder that already exists.</summary>
    public static readonly ErrorId WorkflowFolderExists = ErrorId.Of("WorkflowFolderExists", FailureKind.ResourceExists);
    /// <summary>Export-WorkflowGraph was given neither a path, a workflow nor a run.</summary>
    public static readonly ErrorId WorkflowGraphNoSource = ErrorId.Of("WorkflowGraphNoSource", FailureKind.InvalidArgument);

    // Runs.

    /// <summary>No run has the id given.</summary>
    public static readonly ErrorId WorkflowRunNotFound = ErrorId.Of("WorkflowRunNotFound", FailureKind.ObjectNotFound);
    /// <summary>A run has no step of the name given.</summary>
    public static readonly ErrorId WorkflowStepNotFound = ErrorId.Of("WorkflowStepNotFound", FailureKind.ObjectNotFound);
    /// <summary>A run with the id given already exists.</summary>
    public static readonly ErrorId WorkflowRunExists = ErrorId.Of("WorkflowRunExists", FailureKind.ResourceExists);
    /// <summary>Another session is carrying the run on: it is stopped from that session.</summary>
    public static readonly ErrorId WorkflowRunOwnedElsewhere = ErrorId.Of("WorkflowRunOwnedElsewhere", FailureKind.InvalidOperation);
    /// <summary>Another session took the run over just before this one could.</summary>
    public static readonly ErrorId WorkflowRunClaimedElsewhere = ErrorId.Of("WorkflowRunClaimedElsewhere", FailureKind.InvalidOperation);
    /// <summary>Receive-WorkflowRun on a run that has not ended yet.</summary>
    public static readonly ErrorId WorkflowRunNotFinished = ErrorId.Of("WorkflowRunNotFinished", FailureKind.InvalidOperation);
    /// <summary>Receive-WorkflowRun on a run that ended without succeeding: it has no output.</summary>
    public static readonly ErrorId WorkflowRunNotSucceeded = ErrorId.Of("WorkflowRunNotSucceeded", FailureKind.InvalidResult);
    /// <summary>A run that was waited on ended Failed.</summary>
    public static readonly ErrorId WorkflowRunFailed = ErrorId.Of("WorkflowRunFailed", FailureKind.InvalidResult);
    /// <summary>A run that was waited on ended Cancelled.</summary>
    public static readonly ErrorId WorkflowRunCancelled = ErrorId.Of("WorkflowRunCancelled", FailureKind.OperationStopped);
    /// <summary>Stop-WorkflowRun or Resume-WorkflowRun on a run that has already ended.</summary>
    public static readonly ErrorId WorkflowRunAlreadyFinished = ErrorId.Of("WorkflowRunAlreadyFinished", FailureKind.InvalidOperation);
    /// <summary>Wait-WorkflowRun -Timeout passed before the run ended.</summary>
    public static readonly ErrorId WorkflowRunWaitTimeout = ErrorId.Of("WorkflowRunWaitTimeout", FailureKind.OperationTimeout);
    /// <summary>A run's -Argument is not valid JSON.</summary>
    public static readonly ErrorId WorkflowArgumentNotJson = ErrorId.Of("WorkflowArgumentNotJson", FailureKind.InvalidArgument);
    /// <summary>A PowerShell value cannot be stored as JSON (a script block, a credential).</summary>
    public static readonly ErrorId WorkflowValueNotSerializable = ErrorId.Of("WorkflowValueNotSerializable", FailureKind.InvalidArgument);
    /// <summary>An output stored as a blob is missing from the blob store.</summary>
    public static readonly ErrorId WorkflowOutputMissing = ErrorId.Of("WorkflowOutputMissing", FailureKind.ReadError);
    /// <summary>A step's foreach expression did not give a JSON array.</summary>
    public static readonly ErrorId ForeachNotArray = ErrorId.Of("ForeachNotArray", FailureKind.InvalidData);

    // Step attempts: these fail the attempt; the run's error, not an ErrorRecord, shows them.

    /// <summary>A command step's program could not be started.</summary>
    public static readonly ErrorId StepCommandNotStarted = ErrorId.Of("StepCommandNotStarted", FailureKind.InvalidResult);
    /// <summary>A command step exited with a non-zero code.</summary>
    public static readonly ErrorId StepCommandFailed = ErrorId.Of("StepCommandFailed", FailureKind.InvalidResult);
    /// <summary>A step's output is not JSON.</summary>
    public static readonly ErrorId StepOutputNotJson = ErrorId.Of("StepOutputNotJson", FailureKind.InvalidResult);
    /// <summary>A step's output holds the value of one of the workflow's secrets, so it is not stored.</summary>
    public static readonly ErrorId StepOutputContainsSecret = ErrorId.Of("StepOutputContainsSecret", FailureKind.InvalidResult);
    /// <summary>The engine cannot run the step's kind yet.</summary>
    public static readonly ErrorId StepKindNotSupported = ErrorId.Of("StepKindNotSupported", FailureKind.InvalidResult);
    /// <summary>A script step threw a terminating error.</summary>
    public static readonly ErrorId StepScriptFailed = ErrorId.Of("StepScriptFailed", FailureKind.InvalidResult);
    /// <summary>A script step was stopped before it ended.</summary>
    public static readonly ErrorId StepScriptStopped = ErrorId.Of("StepScriptStopped", FailureKind.InvalidResult);
    /// <summary>The Docker engine a container step needs (DOCKER_HOST, else the platform's default socket) did not answer.</summary>
    public static readonly ErrorId StepDockerUnreachable = ErrorId.Of("StepDockerUnreachable", FailureKind.ConnectionError);
    /// <summary>A container step's image is not on the Docker engine and its pull policy is Never.</summary>
    public static readonly ErrorId StepImageMissing = ErrorId.Of("StepImageMissing", FailureKind.ObjectNotFound);
    /// <summary>Pulling a container step's image failed: the registry refused it, lacks it, or could not be reached.</summary>
    public static readonly ErrorId StepImagePullFailed = ErrorId.Of("StepImagePullFailed", FailureKind.ConnectionError);
    /// <summary>Docker could not create or start a container step's container (bad command, network, limit).</summary>
    public static readonly ErrorId StepContainerNotStarted = ErrorId.Of("StepContainerNotStarted", FailureKind.InvalidResult);
    /// <summary>A container step's container exited with a non-zero code.</summary>
    public static readonly ErrorId StepContainerFailed = ErrorId.Of("StepContainerFailed", FailureKind.InvalidResult);
    /// <summary>A container step's container was killed for using more memory than its memory_mb.</summary>
    public static readonly ErrorId StepContainerOutOfMemory = ErrorId.Of("StepContainerOutOfMemory", FailureKind.InvalidResult);
    /// <summary>A run: script with image: found no pwsh to run under: none in the image, and the host's cannot be mounted.</summary>
    public static readonly ErrorId StepPwshNotAvailable = ErrorId.Of("StepPwshNotAvailable", FailureKind.ObjectNotFound);

    // workflow.yml: the file itself.

    /// <summary>The workflow folder or workflow.yml given is not there (or no path was given).</summary>
    public static readonly ErrorId WorkflowFileNotFound = ErrorId.Of("WorkflowFileNotFound", FailureKind.ObjectNotFound);
    /// <summary>workflow.yml exists but cannot be read.</summary>
    public static readonly ErrorId WorkflowFileNotReadable = ErrorId.Of("WorkflowFileNotReadable", FailureKind.ReadError);

    // workflow.yml diagnostics (Test-Workflow; Publish-Workflow fails with the first).

    /// <summary>workflow.yml is not well-formed YAML.</summary>
    public static readonly ErrorId WorkflowYamlMalformed = ErrorId.Of("WorkflowYamlMalformed", FailureKind.InvalidData);
    /// <summary>workflow.yml's top level is not a mapping.</summary>
    public static readonly ErrorId WorkflowRootNotMapping = ErrorId.Of("WorkflowRootNotMapping", FailureKind.InvalidData);
    /// <summary>A key the format does not know.</summary>
    public static readonly ErrorId WorkflowUnknownKey = ErrorId.Of("WorkflowUnknownKey", FailureKind.InvalidData);
    /// <summary>A required key is missing.</summary>
    public static readonly ErrorId WorkflowMissingKey = ErrorId.Of("WorkflowMissingKey", FailureKind.InvalidData);
    /// <summary>A value of the wrong shape (a list where a mapping goes, text where a number goes).</summary>
    public static readonly ErrorId WorkflowBadValue = ErrorId.Of("WorkflowBadValue", FailureKind.InvalidData);
    /// <summary>The workflow's name breaks the naming rule.</summary>
    public static readonly ErrorId WorkflowBadName = ErrorId.Of("WorkflowBadName", FailureKind.InvalidData);
    /// <summary>The workflow's version breaks the version rule.</summary>
    public static readonly ErrorId WorkflowBadVersion = ErrorId.Of("WorkflowBadVersion", FailureKind.InvalidData);
    /// <summary>A step's name breaks the naming rule.</summary>
    public static readonly ErrorId StepBadName = ErrorId.Of("StepBadName", FailureKind.InvalidData);
    /// <summary>Two steps have the same name.</summary>
    public static readonly ErrorId StepDuplicate = ErrorId.Of("StepDuplicate", FailureKind.InvalidData);
    /// <summary>A step needs a step that does not exist.</summary>
    public static readonly ErrorId StepUnknownNeed = ErrorId.Of("StepUnknownNeed", FailureKind.InvalidData);
    /// <summary>Steps need each other in a cycle.</summary>
    public static readonly ErrorId StepCycle = ErrorId.Of("StepCycle", FailureKind.InvalidData);
    /// <summary>A step has none of run:, command: and image:.</summary>
    public static readonly ErrorId StepNoAction = ErrorId.Of("StepNoAction", FailureKind.InvalidData);
    /// <summary>A step has both run: and command: (image: goes with either), or several of them otherwise.</summary>
    public static readonly ErrorId StepSeveralActions = ErrorId.Of("StepSeveralActions", FailureKind.InvalidData);
    /// <summary>A step's script is not in the workflow folder (or, when a step runs, not in its package).</summary>
    public static readonly ErrorId StepScriptMissing = ErrorId.Of("StepScriptMissing", FailureKind.InvalidData);
    /// <summary>A step's run: names a file that is not a .ps1 script.</summary>
    public static readonly ErrorId StepScriptNotPowerShell = ErrorId.Of("StepScriptNotPowerShell", FailureKind.InvalidData);
    /// <summary>A step's script does not parse (found by Test-Workflow, or when the step runs).</summary>
    public static readonly ErrorId StepScriptSyntaxError = ErrorId.Of("StepScriptSyntaxError", FailureKind.InvalidData);
    /// <summary>A timeout or delay that is not a duration.</summary>
    public static readonly ErrorId BadDuration = ErrorId.Of("BadDuration", FailureKind.InvalidData);
    /// <summary>A retry setting out of range.</summary>
    public static readonly ErrorId BadRetry = ErrorId.Of("BadRetry", FailureKind.InvalidData);
    /// <summary>A memory size out of range.</summary>
    public static readonly ErrorId BadMemory = ErrorId.Of("BadMemory", FailureKind.InvalidData);
    /// <summary>A step's image: is not a Docker image reference ([registry[:port]/]name[:tag][@sha256:digest]).</summary>
    public static readonly ErrorId BadImageReference = ErrorId.Of("BadImageReference", FailureKind.InvalidData);
    /// <summary>A container setting out of range or not one of its values: cpus, pids_limit, network, pull, pwsh, working_dir.</summary>
    public static readonly ErrorId BadContainerSetting = ErrorId.Of("BadContainerSetting", FailureKind.InvalidData);
    /// <summary>A container setting (args, cpus, network, pull, ...) on a step that has no image:.</summary>
    public static readonly ErrorId StepContainerKeyWithoutImage = ErrorId.Of("StepContainerKeyWithoutImage", FailureKind.InvalidData);
    /// <summary>A region that is neither 'local' nor provider:region.</summary>
    public static readonly ErrorId BadRegion = ErrorId.Of("BadRegion", FailureKind.InvalidData);
    /// <summary>A step is placed in a region the workflow does not allow.</summary>
    public static readonly ErrorId RegionDisallowed = ErrorId.Of("RegionDisallowed", FailureKind.InvalidData);
    /// <summary>A constraint names a metric the format does not know.</summary>
    public static readonly ErrorId BadConstraint = ErrorId.Of("BadConstraint", FailureKind.InvalidData);
    /// <summary>A secret's name is not a valid environment variable name.</summary>
    public static readonly ErrorId BadSecretName = ErrorId.Of("BadSecretName", FailureKind.InvalidData);
    /// <summary>An expression that does not parse.</summary>
    public static readonly ErrorId BadExpression = ErrorId.Of("BadExpression", FailureKind.InvalidData);
    /// <summary>An expression names a step that does not exist or that the step does not need.</summary>
    public static readonly ErrorId ExpressionUnknownStep = ErrorId.Of("ExpressionUnknownStep", FailureKind.InvalidData);
    /// <summary>An expression reads a root other than input, steps and item (item only in a foreach's steps).</summary>
    public static readonly ErrorId ExpressionBadRoot = ErrorId.Of("ExpressionBadRoot", FailureKind.InvalidData);
    /// <summary>An expression that parsed could not be evaluated on the run's values.</summary>
    public static readonly ErrorId ExpressionEvaluationFailed = ErrorId.Of("ExpressionEvaluationFailed", FailureKind.InvalidData);

    // Remote runs and AWS.

    /// <summary>The workflow is not deployed to the region (or to any region) given.</summary>
    public static readonly ErrorId WorkflowNotDeployed = ErrorId.Of("WorkflowNotDeployed", FailureKind.ObjectNotFound);
    /// <summary>A plan given to Move-WorkflowDeployment does not fit the workflow: another workflow or home, an unknown step, a pinned or disallowed region, an hour twice.</summary>
    public static readonly ErrorId PlacementPlanInvalid = ErrorId.Of("PlacementPlanInvalid", FailureKind.InvalidArgument);
    /// <summary>A region a plan uses has no worker polling its queue for the workflow: its steps would wait for ever.</summary>
    public static readonly ErrorId PlacementRegionHasNoWorker = ErrorId.Of("PlacementRegionHasNoWorker", FailureKind.InvalidOperation);
    /// <summary>The region's store lets a second conditional (write-once) put of one key succeed: steps could run twice there.</summary>
    public static readonly ErrorId WorkflowStoreConditionsNotHonoured = ErrorId.Of("WorkflowStoreConditionsNotHonoured", FailureKind.NotImplemented);
    /// <summary>A region no provider of this engine serves (an engine without regions is given aws:…).</summary>
    public static readonly ErrorId WorkflowRegionUnsupported = ErrorId.Of("WorkflowRegionUnsupported", FailureKind.InvalidArgument);
    /// <summary>A call to a region failed, from a provider with no ids of its own for it.</summary>
    public static readonly ErrorId WorkflowRegionCallFailed = ErrorId.Of("WorkflowRegionCallFailed", FailureKind.ConnectionError);
    /// <summary>A run's state document in the bucket cannot be read as one.</summary>
    public static readonly ErrorId RemoteStateCorrupt = ErrorId.Of("RemoteStateCorrupt", FailureKind.InvalidData);
    /// <summary>-EndpointUrl is not an absolute URL.</summary>
    public static readonly ErrorId AwsEndpointInvalid = ErrorId.Of("AwsEndpointInvalid", FailureKind.InvalidArgument);
    /// <summary>The AWS region name is not one AWS knows.</summary>
    public static readonly ErrorId AwsRegionUnknown = ErrorId.Of("AwsRegionUnknown", FailureKind.InvalidArgument);
    /// <summary>-ProfileName names no profile in the AWS credential files.</summary>
    public static readonly ErrorId AwsProfileNotFound = ErrorId.Of("AwsProfileNotFound", FailureKind.ObjectNotFound);
    /// <summary>No AWS credentials were found.</summary>
    public static readonly ErrorId AwsCredentialsMissing = ErrorId.Of("AwsCredentialsMissing", FailureKind.PermissionDenied);
    /// <summary>The AWS endpoint could not be reached.</summary>
    public static readonly ErrorId AwsEndpointUnreachable = ErrorId.Of("AwsEndpointUnreachable", FailureKind.ConnectionError);
    /// <summary>AWS refused the call for the credentials used.</summary>
    public static readonly ErrorId AwsAccessDenied = ErrorId.Of("AwsAccessDenied", FailureKind.PermissionDenied);
    /// <summary>An AWS call failed for another reason, given in the message.</summary>
    public static readonly ErrorId AwsCallFailed = ErrorId.Of("AwsCallFailed", FailureKind.InvalidOperation);
    /// <summary>The bucket exists but was not made by this module.</summary>
    public static readonly ErrorId AwsBucketNotOurs = ErrorId.Of("AwsBucketNotOurs", FailureKind.ResourceExists);
    /// <summary>The queue exists but was not made by this module.</summary>
    public static readonly ErrorId AwsQueueNotOurs = ErrorId.Of("AwsQueueNotOurs", FailureKind.ResourceExists);
    /// <summary>Start-WorkflowWorker on a bucket that holds no deployment.</summary>
    public static readonly ErrorId AwsBucketNotDeployed = ErrorId.Of("AwsBucketNotDeployed", FailureKind.ObjectNotFound);
    /// <summary>A Lambda call was given no function name (or mapping UUID).</summary>
    public static readonly ErrorId LambdaNameMissing = ErrorId.Of("LambdaNameMissing", FailureKind.InvalidArgument);

    // Serverless workers: a region's worker hosted as a Lambda function.

    /// <summary>Publish-Workflow -Compute Lambda against AWS's own endpoint without -LambdaRole (the function's execution role).</summary>
    public static readonly ErrorId LambdaRoleRequired = ErrorId.Of("LambdaRoleRequired", FailureKind.InvalidArgument);
    /// <summary>A Lambda function of the name the deployment uses exists and was not made by this module for this workflow.</summary>
    public static readonly ErrorId LambdaFunctionNotOurs = ErrorId.Of("LambdaFunctionNotOurs", FailureKind.ResourceExists);
    /// <summary>A Lambda API call failed; the message gives the service's error type and what to do.</summary>
    public static readonly ErrorId LambdaCallFailed = ErrorId.Of("LambdaCallFailed", FailureKind.InvalidOperation);
    /// <summary>The worker function's deployment package cannot be built (no staged module folder, or over Lambda's size limit).</summary>
    public static readonly ErrorId LambdaPackageInvalid = ErrorId.Of("LambdaPackageInvalid", FailureKind.InvalidData);
    /// <summary>Start-WorkflowWorker -LambdaRuntime outside a Lambda runtime: AWS_LAMBDA_RUNTIME_API is not set.</summary>
    public static readonly ErrorId LambdaRuntimeApiMissing = ErrorId.Of("LambdaRuntimeApiMissing", FailureKind.InvalidOperation);
    /// <summary>A Lambda-hosted worker was invoked with an event that is not an SQS batch from its mapping.</summary>
    public static readonly ErrorId LambdaEventInvalid = ErrorId.Of("LambdaEventInvalid", FailureKind.InvalidData);

    // Carbon-aware placement: Invoke-DataCollector and the problem the solver is given.

    /// <summary>A region (-Region, regions.allowed, a pin) that the bundled region data does not know.</summary>
    public static readonly ErrorId PlacementRegionUnknown = ErrorId.Of("PlacementRegionUnknown", FailureKind.InvalidArgument);
    /// <summary>Invoke-DataCollector -Path names a file that does not exist.</summary>
    public static readonly ErrorId PlacementDataFileNotFound = ErrorId.Of("PlacementDataFileNotFound", FailureKind.ObjectNotFound);
    /// <summary>Invoke-DataCollector -Path names a file that is not a table the collector reads (its line says where).</summary>
    public static readonly ErrorId PlacementDataFileInvalid = ErrorId.Of("PlacementDataFileInvalid", FailureKind.InvalidData);
    /// <summary>-Path given to a collector that imports no file (only carbon and performance do).</summary>
    public static readonly ErrorId PlacementPathNotApplicable = ErrorId.Of("PlacementPathNotApplicable", FailureKind.InvalidArgument);
    /// <summary>The workflow collector was run without -WorkflowId.</summary>
    public static readonly ErrorId PlacementWorkflowIdRequired = ErrorId.Of("PlacementWorkflowIdRequired", FailureKind.InvalidArgument);
    /// <summary>The workflow has no finished runs to learn its steps from.</summary>
    public static readonly ErrorId PlacementNoRunHistory = ErrorId.Of("PlacementNoRunHistory", FailureKind.ObjectNotFound);
    /// <summary>Placement needs a cloud home region (aws:us-east-1); the workflow's home_region is local.</summary>
    public static readonly ErrorId PlacementNeedsCloudHome = ErrorId.Of("PlacementNeedsCloudHome", FailureKind.InvalidData);
    /// <summary>A step's pinned region is not among the regions the workflow may be placed in.</summary>
    public static readonly ErrorId PlacementPinOutsideRegions = ErrorId.Of("PlacementPinOutsideRegions", FailureKind.InvalidData);
    /// <summary>Placement needs collected data (facts, carbon, latency, step profiles) that the store lacks; the message names the collector to run.</summary>
    public static readonly ErrorId PlacementDataMissing = ErrorId.Of("PlacementDataMissing", FailureKind.ObjectNotFound);
    /// <summary>A step has no runtime samples in any region: the solver cannot estimate it.</summary>
    public static readonly ErrorId PlacementNoRuntimeSamples = ErrorId.Of("PlacementNoRuntimeSamples", FailureKind.InvalidData);
    /// <summary>-Algorithm Exhaustive on a workflow with more plans than it enumerates.</summary>
    public static readonly ErrorId PlacementTooLargeForExhaustive = ErrorId.Of("PlacementTooLargeForExhaustive", FailureKind.InvalidArgument);

    // Anything else.

    /// <summary>
    /// A failure the module did not foresee escaped a command (its message names the exception's type).
    /// Its category is PermissionDenied for UnauthorizedAccessException, OperationTimeout for
    /// TimeoutException, otherwise InvalidOperation: never NotSpecified.
    /// </summary>
    public static readonly ErrorId WorkflowUnexpectedError = ErrorId.Of("WorkflowUnexpectedError", FailureKind.InvalidOperation);

    private static readonly Lazy<IReadOnlyDictionary<string, ErrorId>> ById = new(() => All.ToDictionary(e => e.Id, StringComparer.Ordinal));

    /// <summary>Every entry of the catalog.</summary>
    public static IReadOnlyList<ErrorId> All { get; } = typeof(WorkflowErrors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(ErrorId))
        .Select(f => (ErrorId)f.GetValue(null)!)
        .ToArray();

    /// <summary>The entry with the id given, or null when the module raises no such id.</summary>
    public static ErrorId? Find(string id) => ById.Value.TryGetValue(id, out var entry) ? entry : null;
}
