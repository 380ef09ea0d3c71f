// The quick-start's last README step, checked after its build: a head started with the prism-core
// it depends on, the quick-start's jar submitted as a job (its driver runs on the head, its workers
// load the job's classes from that jar), its output streamed back, the head stopped. The CLI runs
// on the quick-start's own runtime class path (written by dependency:build-classpath), as a user's
// would. Every wait is bounded; the head is stopped whatever happens.
import java.util.concurrent.TimeUnit

def project = new File(quickstartDir) // set by the invoker's scriptVariables

def java = System.getProperty('java.home') + '/bin/java'
def classPath = new File(project, 'target/runtime-classpath.txt').text.trim()
def jar = new File(project, 'target/prism-quickstart-1.0-SNAPSHOT.jar')
assert jar.isFile() : "the quick-start's jar ${jar} was not built"
def session = new File(project, 'target/prism-session')
session.mkdirs()

def prism = { List<String> args, long timeoutSeconds ->
  List<String> command = [java,
      '--add-opens=java.base/java.nio=ALL-UNNAMED',
      '--add-opens=java.base/java.lang.invoke=ALL-UNNAMED',
      '--sun-misc-unsafe-memory-access=allow',
      '--enable-native-access=ALL-UNNAMED',
      '-Xmx256m', '-cp', classPath, 'dev.prism.runtime.cli.Cli']
  command.addAll(args)
  def pb = new ProcessBuilder(command).redirectErrorStream(true)
  pb.environment().remove('PRISM_ADDRESS')
  def process = pb.start()
  def out = new StringBuffer()
  def reader = Thread.start {
    process.inputStream.eachLine { line ->
      out.append(line).append('\n')
      println "  prism ${args[0]} | ${line}"
    }
  }
  if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
    process.descendants().forEach { it.destroyForcibly() }
    process.destroyForcibly()
    throw new AssertionError("prism ${args.join(' ')} did not end within ${timeoutSeconds} s:\n${out}")
  }
  reader.join(5000)
  [process.exitValue(), out.toString()]
}

def sessionArgs = ['--temp-dir', session.absolutePath]
try {
  def (startCode, startOut) = prism(['start', '--head', '--port', '0', '--num-cpus', '4',
      '--object-store-memory', '128m'] + sessionArgs, 120)
  assert startCode == 0 : "prism start --head failed:\n${startOut}"

  def (code, out) = prism(['job', 'submit', '--jar', jar.absolutePath,
      '--main', 'com.example.quickstart.App'] + sessionArgs, 240)
  assert code == 0 : "the quick-start job did not succeed:\n${out}"
  // App prints these three lines; the job's output is streamed back to the submitter.
  assert out.contains('sum of squares below 1,000,000: 333332833333500000') : out
  assert out.contains('mean: 49.5') : out
  assert out.contains('counter: 55') : out

  def (listCode, listOut) = prism(['job', 'list'] + sessionArgs, 60)
  assert listCode == 0 : listOut
  assert listOut.contains('SUCCEEDED') : "prism job list does not show the job as SUCCEEDED:\n${listOut}"
} finally {
  prism(['stop', '--force'] + sessionArgs, 60)
}
true
