param($Context)
# The words to check; in a real workflow, whatever the container step should work on.
@{ words = @('alpha', 'beta', 'gamma') }
