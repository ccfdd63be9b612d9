"""Demo catalogue: a realistic programme of courses and tracks for `lms seed-demo`."""

import sqlalchemy as sa

from lms.catalogue import services
from lms.catalogue.models import Course, Track
from lms.extensions import db

CLOUD = "trainer.cloud@kp.demo"
DATA = "trainer.data@kp.demo"

# code, owner, title, track, level, hours, partners, skills, prerequisites, summary, modules
COURSES = [
    ("CLD-101", CLOUD, "Cloud Computing Fundamentals", "both", "beginner", 48,
     ["AWS", "Microsoft", "Systems Ltd"], ["cloud", "aws", "azure", "linux", "networking"], [],
     "Start here for a career in the cloud. You will learn how **virtual machines, storage and "
     "networks** are rented by the hour, how the big providers are organised, and how to run a "
     "small web application on AWS and Azure.\n\n"
     "Prepares you for the *AWS Certified Cloud Practitioner* exam.",
     [("Linux and the command line", 8, "Shell, files, permissions, `ssh` and package managers."),
      ("Networking for the cloud", 8, "IP addressing, DNS, HTTP, load balancers and firewalls."),
      ("Compute and storage", 12, "EC2 and Azure VMs, block and object storage, pricing."),
      ("Identity and security basics", 8, "IAM users, roles and policies; the shared "
       "responsibility model."),
      ("Capstone: deploy a web app", 12, "Deploy a two-tier application and present the bill.")]),
    ("CLD-201", CLOUD, "Cloud Solutions Architecture on AWS", "both", "intermediate", 60,
     ["AWS", "10Pearls"], ["aws", "architecture", "serverless", "terraform"], ["CLD-101"],
     "Design systems that stay up and stay affordable: high availability, serverless patterns, "
     "infrastructure as code with Terraform, and the AWS Well-Architected Framework.\n\n"
     "Prepares you for the *AWS Certified Solutions Architect - Associate* exam.",
     [("Well-Architected design", 10, "The six pillars, trade-offs and reviews."),
      ("High availability and scaling", 12, "Multi-AZ, auto scaling, caching, RDS replicas."),
      ("Serverless applications", 14, "Lambda, API Gateway, DynamoDB and event-driven design."),
      ("Infrastructure as code", 12, "Terraform modules, state and review workflows."),
      ("Architecture case study", 12, "Redesign a Pakistani e-commerce platform for peak sales.")]),
    ("DEV-201", CLOUD, "DevOps Engineering: CI/CD, Docker and Kubernetes", "both", "intermediate",
     60, ["Systems Ltd", "NetSol", "Arbisoft"],
     ["devops", "docker", "kubernetes", "ci/cd", "git", "linux"], ["CLD-101"],
     "Ship software many times a day without fear. Version control workflows, automated builds "
     "and tests, containers, Kubernetes and monitoring, as practised by Pakistan's leading "
     "software houses.",
     [("Git workflows", 6, "Branches, pull requests, code review and trunk-based development."),
      ("Continuous integration", 10, "GitHub Actions and GitLab CI pipelines; automated tests."),
      ("Containers with Docker", 12, "Images, Dockerfiles, Compose and registries."),
      ("Kubernetes", 18, "Pods, deployments, services, ingress and Helm charts."),
      ("Observability", 8, "Logs, metrics and alerts with Prometheus and Grafana."),
      ("Capstone pipeline", 6, "From commit to production for a sample service.")]),
    ("SEC-201", CLOUD, "Cybersecurity Essentials", "student", "intermediate", 48,
     ["Microsoft", "Techlogix"], ["security", "networking", "owasp", "incident response"], [],
     "Protect organisations from the attacks they actually face: phishing, weak passwords, "
     "unpatched servers and insecure web applications. Hands-on labs in a safe range.",
     [("Threats and attackers", 6, "How real breaches happen; the kill chain."),
      ("Network security", 12, "Firewalls, VPNs, segmentation and packet capture."),
      ("Web application security", 14, "The OWASP Top 10 with hands-on exploits and fixes."),
      ("Security operations", 10, "Logging, SIEM basics and incident response."),
      ("Capture the flag", 6, "A team competition to close the course.")]),
    ("DAT-101", DATA, "Python for Data Analysis", "both", "beginner", 40,
     ["Arbisoft", "Techlogix"], ["python", "pandas", "sql", "data visualisation"], [],
     "Turn raw data into answers. Python, pandas, SQL and charts, applied to open data sets "
     "from Pakistan's agriculture, telecoms and public sectors.",
     [("Python basics", 8, "Types, functions, notebooks and virtual environments."),
      ("pandas", 12, "Loading, cleaning, joining and reshaping tables."),
      ("SQL for analysts", 10, "SELECT, joins, grouping and window functions."),
      ("Visual storytelling", 10, "Charts that explain, with matplotlib and seaborn.")]),
    ("AIM-201", DATA, "Applied Machine Learning with Python", "both", "intermediate", 72,
     ["10Pearls", "Google", "Arbisoft"],
     ["machine learning", "python", "scikit-learn", "deep learning"], ["DAT-101"],
     "Build, evaluate and deploy machine-learning models: regression, classification, "
     "clustering and an introduction to deep learning with TensorFlow.",
     [("The machine-learning workflow", 8, "Framing problems, splitting data, baselines."),
      ("Supervised learning", 18, "Linear models, trees, ensembles; metrics that matter."),
      ("Unsupervised learning", 10, "Clustering and dimensionality reduction."),
      ("Deep learning", 20, "Neural networks with TensorFlow and Keras; computer vision."),
      ("Deploying models", 8, "Serving a model behind an API; monitoring drift."),
      ("Capstone", 8, "An end-to-end project on a local data set.")]),
    ("DEN-301", DATA, "Data Engineering Pipelines", "both", "advanced", 60,
     ["Arbisoft", "Techlogix", "Google"],
     ["data engineering", "sql", "spark", "airflow", "python"], ["DAT-101"],
     "Move and shape data at scale: batch and streaming pipelines, warehouses and lakes, "
     "orchestration with Airflow and processing with Spark.",
     [("Data modelling", 10, "Star schemas, slowly changing dimensions, data contracts."),
      ("Batch processing with Spark", 16, "DataFrames, partitions and performance."),
      ("Orchestration", 12, "Airflow DAGs, retries, backfills and testing."),
      ("Streaming", 12, "Kafka topics, consumers and exactly-once thinking."),
      ("Warehouse project", 10, "Build a small warehouse on BigQuery.")]),
    ("AIM-301", DATA, "Generative AI and LLM Applications", "both", "advanced", 40,
     ["Google", "Microsoft", "10Pearls"],
     ["generative ai", "llm", "prompt engineering", "python"], ["AIM-201"],
     "Build useful and responsible applications on large language models: prompting, "
     "retrieval-augmented generation, evaluation and guardrails, including Urdu-language use "
     "cases.",
     [("How LLMs work", 6, "Tokens, embeddings, transformers and their limits."),
      ("Prompt engineering", 8, "Patterns, few-shot examples and structured output."),
      ("Retrieval-augmented generation", 14, "Vector search over your own documents."),
      ("Evaluation and safety", 6, "Measuring quality; bias, privacy and guardrails."),
      ("Demo day", 6, "Present an LLM application to industry mentors.")]),
    ("WEB-201", CLOUD, "Full-Stack Web Development", "student", "intermediate", 80,
     ["Arbisoft", "10Pearls", "Systems Ltd"],
     ["javascript", "react", "node.js", "sql", "git"], [],
     "Build complete web applications the way product teams do: HTML, CSS and modern "
     "JavaScript, React on the front end, Node.js and PostgreSQL on the back end.",
     [("The web platform", 12, "Semantic HTML, accessible CSS and responsive layouts."),
      ("Modern JavaScript", 14, "Modules, async code, fetch and testing."),
      ("React", 20, "Components, state, routing and forms."),
      ("Back end with Node.js", 20, "REST APIs, authentication and PostgreSQL."),
      ("Team project", 14, "Two-week sprint with code review and a demo.")]),
    ("MOB-201", DATA, "Mobile App Development with Flutter", "student", "intermediate", 60,
     ["Google", "NetSol"], ["flutter", "dart", "mobile", "firebase"], [],
     "Ship Android and iOS apps from one code base with Flutter and Firebase, from the first "
     "widget to a store-ready release.",
     [("Dart and Flutter basics", 12, "Widgets, layouts and hot reload."),
      ("State and navigation", 14, "Provider, routing and forms."),
      ("Firebase back end", 14, "Auth, Firestore and push notifications."),
      ("Publishing", 8, "Testing, signing and store listings."),
      ("App project", 12, "Build an app for a local business.")]),
    ("UXD-101", DATA, "UI/UX Design Foundations", "student", "beginner", 40,
     ["10Pearls", "Arbisoft"], ["ux", "ui design", "figma", "user research"], [],
     "Design products people can use: user research, information architecture, wireframes, "
     "prototypes in Figma and usability testing.",
     [("User research", 8, "Interviews, personas and journey maps."),
      ("Information architecture", 8, "Navigation, card sorting and flows."),
      ("Visual design in Figma", 14, "Grids, type, colour and components."),
      ("Prototyping and testing", 10, "Clickable prototypes and usability tests.")]),
    ("QAT-201", CLOUD, "Software Testing and Test Automation", "both", "intermediate", 48,
     ["Systems Ltd", "NetSol", "Techlogix"],
     ["software testing", "test automation", "selenium", "api testing"], [],
     "Find bugs before users do: test design, exploratory testing, and automation of web and "
     "API tests in continuous integration.",
     [("Testing fundamentals", 8, "Test levels, techniques and the ISTQB vocabulary."),
      ("Exploratory testing", 8, "Charters, heuristics and bug reports."),
      ("Web UI automation", 14, "Selenium and Playwright page objects."),
      ("API testing", 10, "Postman and pytest for REST APIs."),
      ("Testing in CI", 8, "Quality gates, flaky tests and reporting.")]),
    ("FRE-101", DATA, "Freelancing and Tech Entrepreneurship", "student", "beginner", 24,
     ["NetSol", "10Pearls"], ["freelancing", "entrepreneurship", "communication"], [],
     "Earn from your skills: build a profile on global marketplaces, win and price work, "
     "communicate with clients, and take the first steps to a start-up.",
     [("Marketplaces and profiles", 6, "Upwork, Fiverr and a portfolio that sells."),
      ("Winning work", 6, "Proposals, pricing and contracts."),
      ("Working with clients", 6, "Communication, payments and taxes in Pakistan."),
      ("From freelancer to founder", 6, "Validating an idea and pitching it.")]),
    ("PED-101", CLOUD, "Teaching Industry-Aligned Labs", "faculty", "beginner", 20,
     ["Microsoft", "Systems Ltd"], ["pedagogy", "curriculum design", "lab design"], [],
     "For university faculty: turn industry skills into lab sessions, assessments and projects "
     "that students value and employers recognise.",
     [("Outcome-based lab design", 6, "From job roles to learning outcomes."),
      ("Authentic assessment", 6, "Rubrics, projects and industry reviewers."),
      ("Running cloud labs", 8, "Free tiers, education credits and lab hygiene.")]),
]

DRAFT = ("SEC-301", CLOUD, "Cloud Security and Incident Response", "both", "advanced", 40,
         ["Microsoft", "AWS"], ["security", "cloud", "incident response"],
         ["SEC-201", "CLD-101"],
         "Secure cloud workloads and respond when something goes wrong. *Draft: outline under "
         "review with industry partners.*",
         [("Cloud threat models", 8, "What attackers target in the cloud."),
          ("Detection", 16, "CloudTrail, GuardDuty and Defender for Cloud."),
          ("Response playbooks", 16, "Containment, forensics and lessons learned.")])

TRACKS = [
    ("Faculty upskilling: Cloud and DevOps", "faculty",
     "A semester-long path for university faculty who teach cloud and software engineering.",
     ["PED-101", "CLD-101", "CLD-201", "DEV-201", "QAT-201"]),
    ("Faculty upskilling: AI and Data", "faculty",
     "For faculty introducing data science and AI courses at their universities.",
     ["PED-101", "DAT-101", "AIM-201", "DEN-301", "AIM-301"]),
    ("Student track: Software engineer", "student",
     "From your first web page to shipping in production, with freelancing to finish.",
     ["UXD-101", "WEB-201", "QAT-201", "CLD-101", "DEV-201", "FRE-101"]),
]


def _data(row) -> dict:
    code, _owner, title, track, level, hours, partners, skills, _pre, summary, modules = row
    return {"code": code, "title": title, "track": track, "level": level,
            "duration_hours": hours, "industry_partners": partners, "skills": skills,
            "summary": summary,
            "modules": [{"title": t, "hours": h, "description": d} for t, h, d in modules]}


def seed(users: dict, parks: dict) -> None:
    """Add the demo courses (owned by the demo trainers) and tracks; skip what exists."""
    admin = users.get("admin@kp.demo")
    fallback = admin or next((u for u in users.values() if u.role in ("trainer", "admin")), None)
    by_code = {c.code: c for c in db.session.scalars(sa.select(Course))}
    for row in [*COURSES, DRAFT]:
        code, owner_email = row[0], row[1]
        owner = users.get(owner_email) or fallback
        if code in by_code or owner is None:
            continue
        course = services.create_course(owner, _data(row))
        by_code[code] = course
    for row in [*COURSES, DRAFT]:
        course = by_code.get(row[0])
        if course is None or course.status != "draft":
            continue
        wanted = [by_code[c].id for c in row[8] if c in by_code]
        if wanted:
            services.update_course(users.get(row[1]) or fallback, course,
                                   {"prerequisite_ids": wanted})
    for row in COURSES:
        course = by_code.get(row[0])
        if course is not None and course.status == "draft":
            services.publish_course(users.get(row[1]) or fallback, course)
    builder = admin or fallback
    if builder is None:
        return
    existing = set(db.session.scalars(sa.select(Track.name)))
    for name, audience, description, codes in TRACKS:
        if name in existing or any(c not in by_code for c in codes):
            continue
        services.create_track(builder, {"name": name, "audience": audience,
                                        "description": description,
                                        "course_ids": [by_code[c].id for c in codes]})
    db.session.flush()
