using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;
using System.Text.RegularExpressions;

namespace Workflow.Host;

/// <summary>A PSHost that writes to the console: enough for Out-Default, progress and streams; no prompts.</summary>
internal sealed class TextHost : PSHost
{
    private readonly TextUI ui = new();

    public int ExitCode { get; private set; }
    public override string Name => "Workflow.Host";
    public override Version Version => new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("This host has no nested prompt.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("This host has no nested prompt.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class TextUI : PSHostUserInterface
    {
        private readonly TextRawUI raw = new();
        private string lastProgress = "";

        public override PSHostRawUserInterface RawUI => raw;
        public override string ReadLine() => Console.ReadLine() ?? "";
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("This host cannot read secrets.");
        // Output goes to logs and files, not a colour terminal: drop the table headers' ANSI styling.
        private static readonly Regex Ansi = new("\u001b\\[[0-9;]*m", RegexOptions.Compiled);

        public override void Write(string value) => Console.Write(Ansi.Replace(value, ""));
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) => Console.WriteLine(Ansi.Replace(value, ""));
        public override void WriteErrorLine(string value) => Console.Error.WriteLine(value);
        public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + message);
        public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + message);
        public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            // One line per change of status, on stderr, so logs show the progress without flooding.
            var line = $"[{record.Activity}] {record.StatusDescription}";
            if (record.RecordType == ProgressRecordType.Processing && line != lastProgress)
            {
                lastProgress = line;
                Console.Error.WriteLine(line);
            }
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("This host does not prompt: pass every mandatory parameter.");

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new NotSupportedException("This host does not prompt: use -Confirm:$false or -Force.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("This host does not prompt for credentials.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("This host does not prompt for credentials.");
    }

    private sealed class TextRawUI : PSHostRawUserInterface
    {
        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.White;
        public override Size BufferSize { get; set; } = new(160, 3000);
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; }
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new(160, 50);
        public override Size MaxWindowSize => new(160, 50);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get; set; } = new(160, 50);
        public override string WindowTitle { get; set; } = "";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("This host reads no keys.");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
